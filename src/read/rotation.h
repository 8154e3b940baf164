// The rotation chain of an ESA log: the appliance rolls a log into files named
// <log>.@<YYYYMMDD>T<HHMMSS>.s (or .c), the live one being <log>.current, and they are
// often compressed afterwards (.gz, .bz2, .xz, .zst). Files of one log in one directory
// follow each other in the order of their time stamps, the live one last.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mailtls {

struct RotationName {
  std::string log;    // "mail", "domain_debug"
  std::string stamp;  // "20261116T183430"; "~" for <log>.current, which sorts last
};

// The rotation name of a file name, or nothing when it is not one.
std::optional<RotationName> rotation_name(std::string_view filename);

// The file of the same log in the same directory just before `path` in its rotation
// chain; empty when there is none.
std::string previous_in_rotation(const std::string& path);

}  // namespace mailtls
