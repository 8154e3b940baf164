#include "render/keywords.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "model/classifier_codes.h"
#include "render/references.h"

using namespace mailtls;
namespace fs = std::filesystem;

namespace {

// A throw-away data dir holding one grammars/catalogues/<name> file.
fs::path data_dir_with(const std::string& name, const std::string& text) {
  fs::path dir =
      fs::temp_directory_path() / ("mailtls_kw_" + std::to_string(std::hash<std::string>{}(text)));
  fs::create_directories(dir / "grammars" / "catalogues");
  std::ofstream(dir / "grammars" / "catalogues" / name) << text;
  return dir;
}

bool mentions(const Diagnostics& diag, std::string_view what) {
  for (const auto& d : diag.all())
    if (d.message.find(what) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("the keyword catalogue loads and covers the seed's and the spec's keywords",
          "[keywords]") {
  Diagnostics diag;
  auto cat = KeywordCatalogue::load(MAILTLS_SOURCE_DATA_DIR, diag);
  for (const auto& d : diag.all()) INFO(d.format());
  REQUIRE(cat);
  for (std::string_view k : {"PIPELINING",
                             "CHUNKING",
                             "BINARYMIME",
                             "SIZE",
                             "DSN",
                             "8BITMIME",
                             "ENHANCEDSTATUSCODES",
                             "SMTPUTF8",
                             "AUTH",
                             "STARTTLS",
                             "ETRN",
                             "ATRN",
                             "DELIVERBY",
                             "REQUIRETLS",
                             "VRFY",
                             "EXPN",
                             "HELP",
                             "XEXCH50",
                             "X-EXPS",
                             "X-LINK2STATE"}) {
    INFO(k);
    CHECK(cat->find(k) != nullptr);
  }
  CHECK(cat->find("size")->rfc == "RFC 1870");
  CHECK(cat->find("X-LINK2STATE")->rfc == "Microsoft Exchange");
  CHECK(cat->find("VRFY")->section == "4.1.1.6");
  CHECK(cat->find("XXXXXXXA") == nullptr);
}

TEST_CASE("a duplicate keyword makes the catalogue fail to load", "[keywords]") {
  Diagnostics diag;
  fs::path dir = data_dir_with("keywords.toml",
                               "[[keyword]]\nkeyword = \"SIZE\"\nrfc = \"RFC 1870\"\n"
                               "[[keyword]]\nkeyword = \"SIZE\"\nrfc = \"RFC 1870\"\n");
  CHECK_FALSE(KeywordCatalogue::load(dir, diag));
  CHECK(mentions(diag, "duplicate keyword"));
}

TEST_CASE("a keyword without an rfc reference is refused, with the entry named", "[keywords]") {
  Diagnostics diag;
  fs::path dir = data_dir_with("keywords.toml", "[[keyword]]\nkeyword = \"DSN\"\n");
  CHECK_FALSE(KeywordCatalogue::load(dir, diag));
  CHECK(mentions(diag, "keyword[0] (DSN): no rfc reference"));
}

TEST_CASE("a lower-case or malformed keyword and unknown fields are refused", "[keywords]") {
  Diagnostics diag;
  fs::path dir = data_dir_with(
      "keywords.toml", "[[keyword]]\nkeyword = \"size\"\nrfc = \"RFC 1870\"\nmeaning = \"x\"\n");
  CHECK_FALSE(KeywordCatalogue::load(dir, diag));
  CHECK(mentions(diag, "upper case"));
  CHECK(mentions(diag, "unknown field 'meaning'"));
}

TEST_CASE("a broken TOML file is reported, not thrown", "[keywords]") {
  Diagnostics diag;
  fs::path dir = data_dir_with("keywords.toml", "[[keyword]\nkeyword = \n");
  CHECK_FALSE(KeywordCatalogue::load(dir, diag));
  CHECK(diag.any_error());
}

TEST_CASE("every reference the classifier can cite is in the references catalogue", "[keywords]") {
  Diagnostics diag;
  auto refs = ReferenceCatalogue::load(MAILTLS_SOURCE_DATA_DIR, diag);
  for (const auto& d : diag.all()) INFO(d.format());
  REQUIRE(refs);
  for (std::string_view id : codes::kReferences) {
    INFO(id);
    CHECK(refs->find(id) != nullptr);
  }
  const Reference* r = refs->find("RFC 3207 §4.2");
  REQUIRE(r);
  CHECK(r->url == "https://www.rfc-editor.org/rfc/rfc3207#section-4.2");
  CHECK(r->title == "Result of the STARTTLS Command");
}

TEST_CASE("a reference whose id or link disagrees with its number and section is refused",
          "[keywords]") {
  Diagnostics diag;
  fs::path dir = data_dir_with(
      "references.toml",
      "[[reference]]\nid = \"RFC 3207 §4.2\"\nrfc = 3207\nsection = \"4.1\"\ntitle = \"T\"\n"
      "url = \"https://www.rfc-editor.org/rfc/rfc3207#section-4.2\"\n");
  CHECK_FALSE(ReferenceCatalogue::load(dir, diag));
  CHECK(mentions(diag, "id must be"));
  CHECK(mentions(diag, "url must be"));
}
