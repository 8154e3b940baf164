#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "render/texts.h"

namespace fs = std::filesystem;
using namespace mailtls;

namespace {
fs::path make_locales() {
  fs::path dir = fs::temp_directory_path() / ("mailtls-texts-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "en");
  fs::create_directories(dir / "fr");
  std::ofstream(dir / "en" / "a.toml") << "[outcome.x]\ntitle = \"Hello {who}\"\nbody = \"only English\"\n";
  std::ofstream(dir / "fr" / "a.toml") << "[outcome.x]\ntitle = \"Bonjour {who}\"\n";
  std::ofstream(dir / "fr" / "meta.toml") << "[meta]\ndirection = \"ltr\"\n";
  return dir;
}

// check_texts() on the test locales plus fr/b.toml holding `toml`: its one problem, from the
// file's name on.
std::string the_problem_with_french_file(const std::string& toml) {
  Diagnostics diag;
  auto dir = make_locales();
  std::ofstream(dir / "fr" / "b.toml") << toml;
  CHECK_FALSE(check_texts(dir, diag));
  fs::remove_all(dir);
  REQUIRE(diag.size() == 1);
  std::string text = diag.all()[0].format();
  return text.erase(0, text.find("b.toml"));
}
}  // namespace

TEST_CASE("a text missing in a language falls back to English", "[texts]") {
  Diagnostics diag;
  auto dir = make_locales();
  auto texts = Texts::load(dir, "fr", diag);
  REQUIRE(texts);
  CHECK(texts->render("outcome.x.title", {{"who", "Ana"}}) == "Bonjour Ana");
  CHECK(texts->translated("outcome.x.title"));
  CHECK(texts->get("outcome.x.body") == "only English");
  CHECK_FALSE(texts->translated("outcome.x.body"));
  CHECK(texts->get("no.such") == "[no.such]");
  fs::remove_all(dir);
}

TEST_CASE("a translation that uses a placeholder unknown to English is reported", "[texts]") {
  const std::string text = the_problem_with_french_file("[outcome.x]\nbody = \"seulement {oops}\"\n");
  CHECK(text == "b.toml:2:1: text 'outcome.x.body' uses {oops}, unknown to the English text\n"
                "  body = \"seulement {oops}\"\n"
                "  ^ near here");
}

TEST_CASE("a locale file that is not TOML is reported at its line and column", "[texts]") {
  const std::string text = the_problem_with_french_file("[outcome.x]\nbody = \"pas fermé\n");
  CHECK(text.rfind("b.toml:2:", 0) == 0);
  CHECK_THAT(text, Catch::Contains("\n  body = \"pas fermé\n  "));
  CHECK_THAT(text, Catch::EndsWith("^ near here"));
}

TEST_CASE("an unknown language gives English texts and a warning", "[texts]") {
  Diagnostics diag;
  auto dir = make_locales();
  auto texts = Texts::load(dir, "xx", diag);
  REQUIRE(texts);
  CHECK(texts->lang() == "en");
  CHECK(texts->get("outcome.x.title") == "Hello {who}");
  CHECK(diag.size() == 1);
  fs::remove_all(dir);
}
