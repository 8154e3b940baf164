// The quality of a negotiated TLS session, judged from the protocol and cipher names the
// appliance logs ("TLS success protocol TLSv1 cipher RC4-SHA"): the one place that says
// which protocols are deprecated and which cipher suites are weak, so the verdict's
// findings and the posture report cannot disagree.
//
// Deprecated protocols (RFC 8996): SSLv2, SSLv3, TLS 1.0, TLS 1.1, also under OpenSSL's old
// name "TLSv1/SSLv3" (TLS 1.0 in OpenSSL 0.9.8/1.0.0 logs).
// Weak ciphers (RFC 7465: RC4; RFC 9325 §4.1: NULL, export-grade, anonymous, 3DES and
// other 64-bit block ciphers, single DES; MD5 as the suite's MAC). Names are read in both
// spellings the appliance writes: OpenSSL's ("DES-CBC3-SHA", "ADH-AES128-SHA",
// "EXP-RC4-MD5") and IANA's ("TLS_RSA_WITH_3DES_EDE_CBC_SHA", "TLS_DH_anon_WITH_...").
#pragma once

#include <string_view>
#include <vector>

namespace mailtls {

bool is_deprecated_protocol(std::string_view protocol);

// Why a cipher suite is weak; a suite may have several reasons (EXP-RC4-MD5: export,
// rc4 and md5).
enum class CipherWeakness { rc4, triple_des, des, null, export_grade, anonymous, md5 };

// The reasons, in the order of the enum; empty when the suite is not known to be weak.
std::vector<CipherWeakness> cipher_weaknesses(std::string_view cipher);
inline bool is_weak_cipher(std::string_view cipher) { return !cipher_weaknesses(cipher).empty(); }

// "rc4", "3des", "des", "null", "export", "anonymous", "md5": stable ids for JSON and texts.
std::string_view weakness_id(CipherWeakness w);

// The RFC sections that retire this protocol (RFC 8996 §4 for TLS 1.0, §5 for TLS 1.1,
// RFC 9325 §3.1.1 for all) or this suite (RFC 7465 §2 for RC4, RFC 9325 §4.1 for all);
// empty when it is not retired. The verdict cites them beside its quality findings.
std::vector<std::string_view> protocol_references(std::string_view protocol);
std::vector<std::string_view> cipher_references(std::string_view cipher);

}  // namespace mailtls
