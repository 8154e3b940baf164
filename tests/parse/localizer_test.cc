// The localizer over the shipped word tables: loading checks, restoring the seeds'
// translated lines to their English originals, detection, right-to-left repairs and the
// localize -> restore round trip over every English sample. No grammar needed.
#include <catch2/catch.hpp>

#include <algorithm>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "parse/localizer.h"

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

namespace {

const std::vector<std::string> kSampleLangs = {"fr", "pt", "ar", "es", "de", "it"};

// A line whose timestamp a right-to-left page lost is compared from its level on.
std::string without_timestamp(const std::string& english) {
  const size_t at = english.find("Info: ");
  return at == std::string::npos ? english : english.substr(at);
}

}  // namespace

TEST_CASE("every localized sample line restores to its English original", "[localizer]") {
  const auto& loc = shipped();
  for (const auto& lang : kSampleLangs) {
    for (const std::string log : {"mail_logs.log", "debug.log"}) {
      const auto localized = log_lines(kLocalized / lang / log);
      const auto english = log_lines(kLocalized / lang / ("en." + log));
      REQUIRE(localized.size() == english.size());
      for (size_t i = 0; i < localized.size(); ++i) {
        for (const std::string mode : {lang, std::string("auto")}) {
          std::string out = localized[i];
          loc.restore(localized[i], mode, out);
          INFO(lang << "/" << log << " [" << mode << "]: " << localized[i]);
          if (out.starts_with("Info: ")) CHECK(out == without_timestamp(english[i]));
          else CHECK(out == english[i]);
        }
      }
    }
  }
}

TEST_CASE("detection names each sample's language with confidence", "[localizer]") {
  const auto& loc = shipped();
  for (const auto& lang : kSampleLangs)
    for (const std::string log : {"mail_logs.log", "debug.log"}) {
      const auto d = loc.detect(slurp(kLocalized / lang / log).substr(0, 4096));
      INFO(lang << "/" << log << " -> " << d.lang << " " << d.confidence);
      CHECK(d.lang == lang);
      CHECK(d.confidence >= 0.75);
      const auto en = loc.detect(slurp(kLocalized / lang / ("en." + log)).substr(0, 4096));
      CHECK(en.lang == "en");
      CHECK(en.confidence == 1.0);
    }
  for (const auto& [file, lang] : std::vector<std::pair<std::string, std::string>>{
           {"seed000_fr.debug.log", "fr"}, {"seed001_pt.debug.log", "pt"}}) {
    const auto d = loc.detect(slurp(kLocalized / file));
    CHECK(d.lang == lang);
    CHECK(d.confidence == 1.0);
  }
}

TEST_CASE("a file with no log prefix is detected as English with no confidence", "[localizer]") {
  const auto d = shipped().detect("EHLO ESA.com\n250-8BITMIME\n");
  CHECK(d.lang == "en");
  CHECK(d.confidence == 0.0);
}

TEST_CASE("a mixed file is restored line by line under auto", "[localizer]") {
  const auto& loc = shipped();
  std::string out;
  REQUIRE(loc.restore("Di. 5. März 14:05:20 2024 Informationen: 7 Gesendet: „DATEN“", "auto", out));
  CHECK(out == "Tue Mar 5 14:05:20 2024 Info: 7 Sent: 'DATA'");
  REQUIRE(loc.restore("mié. 17 de ene. 14:05:20 2024 Información: 7 Recibido: «250 TAMAÑO 100»", "auto", out));
  CHECK(out == "Wed Jan 17 14:05:20 2024 Info: 7 Rcvd: '250 SIZE 100'");
}

TEST_CASE("an ambiguous first word is a weekday before a month and a month otherwise", "[localizer]") {
  const auto& loc = shipped();
  std::string out;
  REQUIRE(loc.restore("mar 12 mar 14:05:20 2024 Informazioni: DCID 7 close", "it", out));
  CHECK(out == "Tue Mar 12 14:05:20 2024 Info: DCID 7 close");
  REQUIRE(loc.restore("Mar 17 18:24:37 mail_logs: informations : ICID 5 close", "fr", out));
  CHECK(out == "Mar 17 18:24:37 mail_logs: Info: ICID 5 close");
}

TEST_CASE("a missing weekday is computed from the date", "[localizer]") {
  std::string out;
  REQUIRE(shipped().restore("16 de maio 18:34:30 2005 informações: ICID 5 close", "pt", out));
  CHECK(out == "Mon May 16 18:34:30 2005 Info: ICID 5 close");
}

TEST_CASE("right-to-left damage is repaired", "[localizer]") {
  const auto& loc = shipped();
  std::string out;
  SECTION("a final period moved to the front of a log line") {
    for (const std::string mode : {"ar", "auto", "fr"}) {
      REQUIRE(loc.restore(".Info: DCID xxxxxx STARTTLS command not supported", mode, out));
      CHECK(out == "Info: DCID xxxxxx STARTTLS command not supported.");
    }
    REQUIRE(loc.restore(".معلومات: DCID 12 STARTTLS command not supported", "ar", out));
    CHECK(out == "Info: DCID 12 STARTTLS command not supported.");
  }
  SECTION("a reply code moved to the end of a reply") {
    REQUIRE(loc.restore("Info: 12 استلم: «mail.domain1.com ESMTP Service ready 220»", "ar", out));
    CHECK(out == "Info: 12 Rcvd: '220 mail.domain1.com ESMTP Service ready'");
    CHECK(repair_trailing_code("mail.domain1.com ESMTP Service ready 220", out));
    CHECK(out == "220 mail.domain1.com ESMTP Service ready");
    CHECK_FALSE(repair_trailing_code("250 SIZE 10485760", out));
    CHECK_FALSE(repair_trailing_code("DELIVERBY 300x", out));
  }
  SECTION("a period that starts a wrapped continuation is not moved") {
    CHECK_FALSE(loc.restore(".example.com> SIZE=100'", "auto", out));
    CHECK_FALSE(loc.restore(".", "ar", out));
  }
  SECTION("the dialogue repairs need no table") {
    CHECK(repair_leading_period(".250-STARTTLS", out));
    CHECK(out == "250-STARTTLS.");
    CHECK_FALSE(repair_leading_period("250-STARTTLS", out));
  }
}

TEST_CASE("free text of a reply stays as the peer wrote it", "[localizer]") {
  std::string out;
  REQUIRE(shipped().restore(
      "Lun 16 mai 18:34:30 les 2005 informations : 5165207 Rcvd : '220 sont assortis en avant au TLS",
      "fr", out));
  CHECK(out == "Mon May 16 18:34:30 2005 Info: 5165207 Rcvd: '220 sont assortis en avant au TLS");
}

TEST_CASE("a translated MAIL FROM comes back with its address", "[localizer]") {
  std::string out;
  REQUIRE(shipped().restore("Lun 16 mai 18:34:30 les 2005 informations : 5 envoyé : « MESSAGERIE DE : <a@b.example> »",
                            "fr", out));
  CHECK(out == "Mon May 16 18:34:30 2005 Info: 5 Sent: 'MAIL FROM:<a@b.example>'");
}

namespace {

// The English lines of every sample under samples/ (the localized pages excluded).
std::vector<std::string> english_sample_lines() {
  std::vector<std::string> lines;
  const fs::path root(MAILTLS_SAMPLES_DIR);
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    const std::string name = e.path().filename().string();
    const bool english = e.path().parent_path().parent_path().filename() == "localized"
                             ? name.starts_with("en.")
                             : e.path().string().find("/localized/") == std::string::npos;
    if (!e.is_regular_file() || e.path().extension() != ".log" || !english) continue;
    for (auto& line : log_lines(e.path())) lines.push_back(std::move(line));
  }
  return lines;
}

// The English prefix as restore() writes it: one space before a one-digit day.
std::string single_spaced(std::string line) {
  const size_t at = line.find("  ");
  if (at != std::string::npos && at < 8) line.erase(at, 1);
  return line;
}

}  // namespace

TEST_CASE("every English sample line survives localize then restore in every language", "[localizer]") {
  const auto& loc = shipped();
  const auto lines = english_sample_lines();
  REQUIRE(lines.size() > 100);
  for (const auto& lang : loc.languages()) {
    size_t rendered = 0;
    for (const auto& english : lines) {
      std::string localized, back;
      if (!loc.localize(english, lang, localized)) continue;
      ++rendered;
      if (!loc.restore(localized, lang, back)) back = localized;
      INFO(lang << ": " << english << "\n -> " << localized);
      CHECK(back == single_spaced(english));
    }
    INFO(lang);
    CHECK(rendered > lines.size() / 2);
  }
}

TEST_CASE("a localized line is really translated", "[localizer]") {
  std::string out;
  REQUIRE(shipped().localize("Mon May 16 18:34:30 2005 Info: 5165207 Rcvd: '250 SIZE 10485760'", "fr", out));
  CHECK(out == "Lun 16 mai 18:34:30 les 2005 informations : 5165207 reçu : « 250 TAILLE 10485760 »");
  REQUIRE(shipped().localize("Mon May 16 18:34:30 2005 Info: 5165207 Sent: 'MAIL", "pt", out));
  CHECK(out == "Segunda-feira o 16 de maio 18:34:30 2005 informações: 5165207 enviado: \"CORREIO");
}

namespace {

fs::path locales_with(const std::string& fr_words) {
  const fs::path dir = fs::temp_directory_path() / ("mailtls-loc-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "en");
  fs::create_directories(dir / "fr");
  fs::copy_file(kLocales / "en" / "words.toml", dir / "en" / "words.toml");
  std::ofstream(dir / "fr" / "words.toml") << fr_words;
  return dir;
}

std::string all_messages(const Diagnostics& diag) {
  std::string s;
  for (const auto& d : diag.all()) s += d.format() + "\n";
  return s;
}

}  // namespace

TEST_CASE("a wrong word table is refused with its file and key", "[localizer]") {
  const std::string good = slurp(kLocales / "fr" / "words.toml");
  struct Case {
    std::string from, to, expect;
  };
  const std::vector<Case> cases = {
      {"Dec = [\"déc\", \"décembre\", \"decembre\"]\n", "", "key 'months.Dec': missing"},
      {"Mar = [\"mars\"]", "Mar = [\"mars\", \"mai\"]", "key 'months.May': 'mai' already stands for 'Mar'"},
      {"[levels]", "[levls]", "key 'levels': required table is missing"},
      {"words = [\"les\"", "words = [\"mai\", \"les\"", "key 'fillers.words': 'mai' is also"},
      {"Sent = [\"envoyé\"", "Snet = [\"x\"]\nSent = [\"envoyé\"", "key 'directions.Snet': unknown canonical word"},
      {"level = \"{level} : \"", "level = \": \"", "key 'render.level': template lacks {level}"},
      {"Mon = [\"Lun\", \"lundi\"]", "Mon = [\"Lun lundi\"]", "key 'weekdays.Mon': entries must be non-empty words"},
  };
  for (const auto& c : cases) {
    std::string text = good;
    const size_t at = text.find(c.from);
    REQUIRE(at != std::string::npos);
    text.replace(at, c.from.size(), c.to);
    Diagnostics diag;
    const auto dir = locales_with(text);
    CHECK_FALSE(Localizer::load(dir, diag));
    INFO(all_messages(diag));
    CHECK(all_messages(diag).find((dir / "fr" / "words.toml").string()) != std::string::npos);
    CHECK(all_messages(diag).find(c.expect) != std::string::npos);
    fs::remove_all(dir);
  }
}

TEST_CASE("a word table's problem points at its line in the file, with a caret", "[localizer]") {
  std::string text = slurp(kLocales / "fr" / "words.toml");
  const std::string from = "Sent = [\"envoyé\"";
  const size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), "Snet = [\"x\"]\nSent = [\"envoyé\"");
  const int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n'));
  Diagnostics diag;
  const auto dir = locales_with(text);
  CHECK_FALSE(Localizer::load(dir, diag));
  CHECK(all_messages(diag) == "error: " + (dir / "fr" / "words.toml").string() + ":" + std::to_string(line) +
                                  ":8: key 'directions.Snet': unknown canonical word\n"
                                  "  Snet = [\"x\"]\n"
                                  "         ^ near here\n");
  fs::remove_all(dir);
}

TEST_CASE("English syslog lines starting with Mar are detected as English", "[localizer]") {
  const auto d = shipped().detect(
      "<166>Mar 17 18:24:37 mail_logs: Info: ICID 5 close\n"
      "Mar 17 18:31:14 esa1 gui_logs: Warning: SSL error with client\n");
  CHECK(d.lang == "en");
  CHECK(d.confidence == 1.0);
}
