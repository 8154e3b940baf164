// The localizer over the shipped word tables: loading checks, restoring the seeds'
// translated lines to their English originals, detection, right-to-left repairs and the
// localize -> restore round trip over every English sample. No grammar needed.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "localizer.h"

namespace fs = std::filesystem;
using namespace mailtls;

namespace {

const fs::path kLocales = fs::path(MAILTLS_SOURCE_DATA_DIR) / "locales";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

// The log block of a seed page (between its ``` fences), or the lines of a sample file
// that are not '#' comments.
std::vector<std::string> log_lines(const fs::path& file) {
  std::vector<std::string> out;
  bool fenced = false, any_fence = slurp(file).find("```") != std::string::npos;
  for (const auto& line : lines_of(slurp(file))) {
    if (line.starts_with("```")) {
      fenced = !fenced;
      if (!fenced) break;  // the first block only
      continue;
    }
    if ((fenced || !any_fence) && !line.empty() && line[0] != '#') out.push_back(line);
  }
  return out;
}

const fs::path kLocalized = fs::path(MAILTLS_SAMPLES_DIR) / "localized";

const Localizer& shipped() {
  // Loaded once per test run; the tests only read it.
  static Diagnostics diag;
  static std::unique_ptr<Localizer> loc = Localizer::load(kLocales, diag);
  if (!loc)
    for (const auto& d : diag.all()) UNSCOPED_INFO(d.format());
  REQUIRE(loc);
  return *loc;
}

// The English original of seeds 000 and 001 (the page the translations were made from).
const std::string kPrefix = "Mon May 16 18:34:30 2005 Info: 5165207 ";
const std::vector<std::string> kSeedEnglish = {
    kPrefix + "Sent: 'EHLO mx4.example.com'",
    kPrefix + "Rcvd: '250-eq-c601.example.com",
    kPrefix + "Rcvd: '250-8BITMIME",
    kPrefix + "Rcvd: '250-SIZE 10485760'",
    kPrefix + "Rcvd: '250 STARTTLS",
    kPrefix + "Sent: 'STARTTLS'",
    kPrefix + "Rcvd: '220 ",  // the free text after 220 is the peer's, kept translated
    kPrefix + "Sent: 'EHLO mx4.example.com'",
    kPrefix + "Rcvd: '250-eq-c601.example.com",
    kPrefix + "Rcvd: '250-8BITMIME",
    kPrefix + "Rcvd: '250 SIZE 10485760'",
    kPrefix + "Sent: 'MAIL",
};

void check_seed_restores(const std::string& seed_file, const std::string& lang) {
  const auto& loc = shipped();
  const auto lines = log_lines(kLocalized / seed_file);
  REQUIRE(lines.size() == kSeedEnglish.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    for (const std::string mode : {lang, std::string("auto")}) {
      std::string out;
      INFO(lines[i] << " [" << mode << "]");
      REQUIRE(loc.restore(lines[i], mode, out));
      if (kSeedEnglish[i].ends_with("'220 ")) CHECK(out.starts_with(kSeedEnglish[i]));
      else CHECK(out == kSeedEnglish[i]);
    }
  }
}

}  // namespace

TEST_CASE("every locale's word table loads and passes its checks", "[localizer]") {
  Diagnostics diag;
  auto loc = Localizer::load(kLocales, diag);
  for (const auto& d : diag.all()) UNSCOPED_INFO(d.format());
  REQUIRE(loc);
  CHECK(diag.size() == 0);
  std::vector<std::string> dirs;
  for (const auto& e : fs::directory_iterator(kLocales))
    if (fs::exists(e.path() / "words.toml")) dirs.push_back(e.path().filename().string());
  std::sort(dirs.begin(), dirs.end());
  CHECK(loc->languages() == dirs);
  for (const char* lang : {"en", "fr", "pt", "ar", "es", "de", "it"}) CHECK(loc->has_language(lang));
}

TEST_CASE("the French seed's lines restore to the English original", "[localizer]") {
  check_seed_restores("seed000_fr.debug.log", "fr");
}

TEST_CASE("the Portuguese seed's lines restore to the English original", "[localizer]") {
  check_seed_restores("seed001_pt.debug.log", "pt");
}

TEST_CASE("an English line is left alone", "[localizer]") {
  std::string out = "untouched";
  for (const std::string mode : {"en", "fr", "auto"}) {
    CHECK_FALSE(shipped().restore(kSeedEnglish[0], mode, out));
    CHECK_FALSE(shipped().restore("LINE BY ITSELF'", mode, out));
  }
  CHECK(out == "untouched");
}
