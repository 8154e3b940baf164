#include "verdict/tls_quality.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

#include "model/classifier_codes.h"

namespace mailtls {
namespace {

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) == std::toupper(static_cast<unsigned char>(y));
         });
}

// The words of a suite name: OpenSSL joins them with '-', IANA with '_'.
std::vector<std::string_view> words(std::string_view cipher) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 0; i <= cipher.size(); ++i) {
    if (i < cipher.size() && cipher[i] != '-' && cipher[i] != '_') continue;
    if (i > start) out.push_back(cipher.substr(start, i - start));
    start = i + 1;
  }
  return out;
}

bool starts_with_word(std::string_view word, std::string_view prefix) {
  return word.size() >= prefix.size() && iequal(word.substr(0, prefix.size()), prefix);
}

// The weakness one word of a suite name stands for, if any. "EXP1024" and "EXPORT" are
// export grade; "ADH"/"AECDH" (OpenSSL) and "anon" (IANA) anonymous; "DES" followed by
// "CBC3" or "EDE" is 3DES, which the caller decides from the neighbouring word.
bool word_weakness(std::string_view w, CipherWeakness& out) {
  if (starts_with_word(w, "RC4")) return out = CipherWeakness::rc4, true;
  if (iequal(w, "3DES") || iequal(w, "CBC3") || iequal(w, "EDE")) return out = CipherWeakness::triple_des, true;
  if (iequal(w, "NULL") || iequal(w, "eNULL")) return out = CipherWeakness::null, true;
  if (iequal(w, "EXP") || starts_with_word(w, "EXPORT") || starts_with_word(w, "EXP1024"))
    return out = CipherWeakness::export_grade, true;
  if (iequal(w, "ADH") || iequal(w, "AECDH") || iequal(w, "anon") || iequal(w, "aNULL"))
    return out = CipherWeakness::anonymous, true;
  if (iequal(w, "MD5")) return out = CipherWeakness::md5, true;
  return false;
}

}  // namespace

bool is_deprecated_protocol(std::string_view protocol) {
  static constexpr std::array<std::string_view, 7> kDeprecated = {
      "SSLv2", "SSLv3", "TLSv1", "TLSv1.0", "TLSv1.1", "TLSv1/SSLv3", "SSLv2/SSLv3"};
  return std::any_of(kDeprecated.begin(), kDeprecated.end(),
                     [&](std::string_view d) { return iequal(d, protocol); });
}

std::vector<CipherWeakness> cipher_weaknesses(std::string_view cipher) {
  const std::vector<std::string_view> ws = words(cipher);
  std::vector<CipherWeakness> found;
  auto add = [&](CipherWeakness w) {
    if (std::find(found.begin(), found.end(), w) == found.end()) found.push_back(w);
  };
  for (size_t i = 0; i < ws.size(); ++i) {
    CipherWeakness w;
    if (word_weakness(ws[i], w)) {
      add(w);
    } else if (iequal(ws[i], "DES")) {
      // "DES-CBC3-SHA" and "..._3DES_EDE_..." are 3DES (caught by the next word); a
      // lone DES ("DES-CBC-SHA", "TLS_RSA_WITH_DES_CBC_SHA") is single DES.
      const bool triple = i + 1 < ws.size() && (iequal(ws[i + 1], "CBC3") || iequal(ws[i + 1], "EDE"));
      if (!triple) add(CipherWeakness::des);
    }
  }
  std::sort(found.begin(), found.end());
  return found;
}

std::string_view weakness_id(CipherWeakness w) {
  switch (w) {
    case CipherWeakness::rc4: return "rc4";
    case CipherWeakness::triple_des: return "3des";
    case CipherWeakness::des: return "des";
    case CipherWeakness::null: return "null";
    case CipherWeakness::export_grade: return "export";
    case CipherWeakness::anonymous: return "anonymous";
    case CipherWeakness::md5: return "md5";
  }
  return "";
}

std::vector<std::string_view> protocol_references(std::string_view protocol) {
  std::vector<std::string_view> refs;
  if (!is_deprecated_protocol(protocol)) return refs;
  const bool tls10 = iequal(protocol, "TLSv1") || iequal(protocol, "TLSv1.0") || iequal(protocol, "TLSv1/SSLv3");
  if (tls10) refs.push_back(codes::kRfc8996Sec4);
  if (iequal(protocol, "TLSv1.1")) refs.push_back(codes::kRfc8996Sec5);
  refs.push_back(codes::kRfc9325Sec3_1_1);
  return refs;
}

std::vector<std::string_view> cipher_references(std::string_view cipher) {
  const std::vector<CipherWeakness> weak = cipher_weaknesses(cipher);
  std::vector<std::string_view> refs;
  if (std::find(weak.begin(), weak.end(), CipherWeakness::rc4) != weak.end())
    refs.push_back(codes::kRfc7465Sec2);
  if (!weak.empty()) refs.push_back(codes::kRfc9325Sec4_1);
  return refs;
}

}  // namespace mailtls
