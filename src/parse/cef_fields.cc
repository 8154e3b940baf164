#include "parse/cef_fields.h"

namespace mailtls {
namespace {

bool key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Where the key that starts at `at` ends (its '='), or npos when `at` starts no key.
size_t key_end(std::string_view text, size_t at) {
  size_t i = at;
  while (i < text.size() && key_char(text[i])) ++i;
  return i > at && i < text.size() && text[i] == '=' ? i : std::string_view::npos;
}

// The start of the next key after `from`: a space followed by a key.
size_t next_key(std::string_view text, size_t from) {
  for (size_t i = text.find(' ', from); i != std::string_view::npos; i = text.find(' ', i + 1))
    if (key_end(text, i + 1) != std::string_view::npos) return i + 1;
  return std::string_view::npos;
}

std::string_view trim_blanks(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

std::string_view cef_field(std::string_view extension, std::string_view key) {
  size_t at = 0;
  while (at < extension.size() && extension[at] == ' ') ++at;
  if (key_end(extension, at) == std::string_view::npos) at = next_key(extension, at);
  while (at != std::string_view::npos) {
    const size_t eq = key_end(extension, at);
    const size_t next = next_key(extension, eq + 1);
    if (extension.substr(at, eq - at) == key) {
      const size_t end = next == std::string_view::npos ? extension.size() : next - 1;
      return trim_blanks(extension.substr(eq + 1, end - eq - 1));
    }
    at = next;
  }
  return {};
}

}  // namespace mailtls
