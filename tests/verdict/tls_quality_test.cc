// The one judgement of protocol and cipher names (verdict/tls_quality.h), on names the
// appliance logs (shared/corpus: "TLSv1 cipher RC4-SHA", "TLSv1/SSLv3 cipher
// DHE-RSA-AES256-SHA") and their IANA spellings.
#include <catch2/catch.hpp>

#include "verdict/tls_quality.h"

using namespace mailtls;

namespace {

std::vector<std::string> ids(std::string_view cipher) {
  std::vector<std::string> out;
  for (CipherWeakness w : cipher_weaknesses(cipher)) out.emplace_back(weakness_id(w));
  return out;
}

}  // namespace

TEST_CASE("SSLv3, TLS 1.0 and TLS 1.1 are deprecated, TLS 1.2 and 1.3 are not", "[tls-quality]") {
  for (const char* p : {"SSLv3", "TLSv1", "TLSv1.0", "TLSv1.1", "TLSv1/SSLv3", "tlsv1", "SSLv2"}) {
    INFO(p);
    CHECK(is_deprecated_protocol(p));
  }
  for (const char* p : {"TLSv1.2", "TLSv1.3", "", "TLSv1.20"}) {
    INFO(p);
    CHECK_FALSE(is_deprecated_protocol(p));
  }
}

TEST_CASE("RC4, 3DES, DES, NULL, export, anonymous and MD5 suites are weak, with every reason", "[tls-quality]") {
  CHECK(ids("RC4-SHA") == std::vector<std::string>{"rc4"});
  CHECK(ids("RC4-MD5") == std::vector<std::string>{"rc4", "md5"});
  CHECK(ids("EXP-RC4-MD5") == std::vector<std::string>{"rc4", "export", "md5"});
  CHECK(ids("DES-CBC3-SHA") == std::vector<std::string>{"3des"});
  CHECK(ids("EDH-RSA-DES-CBC3-SHA") == std::vector<std::string>{"3des"});
  CHECK(ids("TLS_RSA_WITH_3DES_EDE_CBC_SHA") == std::vector<std::string>{"3des"});
  CHECK(ids("DES-CBC-SHA") == std::vector<std::string>{"des"});
  CHECK(ids("TLS_RSA_WITH_NULL_SHA256") == std::vector<std::string>{"null"});
  CHECK(ids("ADH-AES128-SHA") == std::vector<std::string>{"anonymous"});
  CHECK(ids("AECDH-AES256-SHA") == std::vector<std::string>{"anonymous"});
  CHECK(ids("TLS_DH_anon_WITH_AES_128_CBC_SHA") == std::vector<std::string>{"anonymous"});
  CHECK(ids("EXP1024-DES-CBC-SHA") == std::vector<std::string>{"des", "export"});
  CHECK(ids("TLS_RSA_EXPORT_WITH_RC4_40_MD5") == std::vector<std::string>{"rc4", "export", "md5"});
}

TEST_CASE("current suites are not weak, whatever letters they share with weak ones", "[tls-quality]") {
  for (const char* c : {"ECDHE-RSA-AES256-GCM-SHA384", "TLS_AES_256_GCM_SHA384", "DHE-RSA-AES256-SHA",
                        "AES128-SHA", "ECDHE-ECDSA-CHACHA20-POLY1305", "TLS_CHACHA20_POLY1305_SHA256",
                        ""}) {
    INFO(c);
    CHECK_FALSE(is_weak_cipher(c));
  }
}

TEST_CASE("each retired protocol or suite cites the RFC section that retires it", "[tls-quality]") {
  using V = std::vector<std::string_view>;
  CHECK(protocol_references("TLSv1") == V{"RFC 8996 §4", "RFC 9325 §3.1.1"});
  CHECK(protocol_references("TLSv1/SSLv3") == V{"RFC 8996 §4", "RFC 9325 §3.1.1"});
  CHECK(protocol_references("TLSv1.1") == V{"RFC 8996 §5", "RFC 9325 §3.1.1"});
  CHECK(protocol_references("SSLv3") == V{"RFC 9325 §3.1.1"});
  CHECK(protocol_references("TLSv1.2").empty());
  CHECK(cipher_references("RC4-SHA") == V{"RFC 7465 §2", "RFC 9325 §4.1"});
  CHECK(cipher_references("DES-CBC3-SHA") == V{"RFC 9325 §4.1"});
  CHECK(cipher_references("AES128-SHA").empty());
}
