// Recognising binary bytes and invalid UTF-8 in unrecognised log lines.
#include <catch2/catch.hpp>

#include "parse/text_damage.h"

using mailtls::inspect_text;
using mailtls::TextDamage;
using namespace std::string_view_literals;

TEST_CASE("text, tabs, CR and valid UTF-8 of every length are not damage", "[text-damage]") {
  CHECK(inspect_text("") == TextDamage::none);
  CHECK(inspect_text("Info: MID 1 Subject 'caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa7'\t\r\n more") ==
        TextDamage::none);
}

TEST_CASE("NUL, control bytes and DEL are binary, whatever else the line holds", "[text-damage]") {
  CHECK(inspect_text("a\0b"sv) == TextDamage::binary);
  CHECK(inspect_text("\xff a \x1b[0m") == TextDamage::binary);
  CHECK(inspect_text("x\x7f") == TextDamage::binary);
}

TEST_CASE("malformed, truncated, overlong and surrogate UTF-8 is invalid", "[text-damage]") {
  CHECK(inspect_text("caf\xe9") == TextDamage::invalid_utf8);          // Latin-1
  CHECK(inspect_text("\xe2\x82") == TextDamage::invalid_utf8);         // cut short
  CHECK(inspect_text("\xc0\xaf") == TextDamage::invalid_utf8);         // overlong '/'
  CHECK(inspect_text("\xed\xa0\x80") == TextDamage::invalid_utf8);     // surrogate
  CHECK(inspect_text("\xf4\x90\x80\x80") == TextDamage::invalid_utf8); // above U+10FFFF
  CHECK(inspect_text("\x80 stray") == TextDamage::invalid_utf8);
}
