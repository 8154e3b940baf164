// Content fingerprints: a file is known by its first bytes, not by its name, so a
// renamed or recompressed log is still recognised, and a grown one is read on.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mailtls {

// How many leading bytes of the decompressed content identify a log.
inline constexpr size_t kFingerprintBytes = 4096;

// 64-bit FNV-1a of `bytes`, as 16 lower-case hex digits.
std::string fingerprint(std::string_view bytes);

}  // namespace mailtls
