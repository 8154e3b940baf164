// `mailtls check`: loads every data file the pipeline would load and runs their
// self-tests, so a broken grammar or locale is found before an ingest starts. Every
// problem is one line on stderr (file and key); each data family closes with one line
// on stdout.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <ostream>
#include <sstream>
#include <system_error>

#include "base/terminal_text.h"
#include "cli/commands.h"
#include "base/data_dir.h"
#include "base/diagnostics.h"
#include "model/classifier_codes.h"
#include "render/data_check.h"
#include "parse/grammar.h"
#include "render/keywords.h"
#include "parse/localizer.h"
#include "render/references.h"
#include "render/texts.h"

namespace mailtls {
namespace {
namespace fs = std::filesystem;

struct GrammarCounts {
  size_t files = 0, kinds = 0, samples = 0, families = 0;
};

GrammarCounts count(const Grammar& g) {
  GrammarCounts c;
  std::vector<std::string_view> files;
  for (const auto& f : g.frames()) {
    c.samples += f->samples.size();
    files.push_back(f->file);
  }
  for (const auto& k : g.kinds()) {
    c.samples += k->samples.size();
    files.push_back(k->file);
  }
  for (const auto& f : g.generic().families) {
    c.samples += f->samples.size();
    files.push_back(f->file);
  }
  for (const auto& t : g.log_types()) {
    c.samples += t->samples.size();
    files.push_back(t->file);
  }
  std::sort(files.begin(), files.end());
  c.files = std::unique(files.begin(), files.end()) - files.begin();
  c.kinds = g.kinds().size();
  c.families = g.generic().families.size();
  return c;
}

// Each family below reports its problems to `diag` and its closing line to `out`:
// "<family>: <what was loaded>: ok", or "<family>: N problems" when any was found.
struct Family {
  std::string name, loaded;
  size_t problems = 0;
};
using Families = std::vector<Family>;

void close_family(Families& out, std::string_view family, const std::string& what, size_t problems) {
  out.push_back({std::string(family), what, problems});
}

std::string family_line(const Family& f) {
  if (f.problems == 0) return f.name + ": " + f.loaded + ": ok\n";
  return f.name + ": " + std::to_string(f.problems) + (f.problems == 1 ? " problem\n" : " problems\n");
}

const char* severity_name(Diagnostic::Severity s) {
  return s == Diagnostic::Severity::error ? "error" : s == Diagnostic::Severity::warning ? "warning" : "note";
}

// --format json: {"ok", "data_dir", "families": [{family, loaded, problems}],
// "problems": [{severity, file, offset, message}]}; unknown values null.
std::string check_json(bool ok, const fs::path& data_dir, const Families& families, const Diagnostics& diag) {
  using Json = nlohmann::ordered_json;
  Json j;
  j["ok"] = ok;
  j["data_dir"] = data_dir.string();
  j["families"] = Json::array();
  for (const auto& f : families)
    j["families"].push_back({{"family", f.name},
                             {"loaded", f.loaded.empty() ? Json(nullptr) : Json(f.loaded)},
                             {"problems", f.problems}});
  j["problems"] = Json::array();
  for (const auto& d : diag.all())
    j["problems"].push_back({{"severity", severity_name(d.severity)},
                             {"file", d.file.empty() ? Json(nullptr) : Json(d.file)},
                             {"offset", d.offset < 0 ? Json(nullptr) : Json(d.offset)},
                             {"message", d.message}});
  return j.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

// The errors reported since `before`; a load that failed without saying why still
// counts as one problem, so its family never closes with "ok".
size_t problems_since(const Diagnostics& diag, size_t before, bool loaded = true) {
  size_t n = 0;
  const auto all = diag.all();
  for (size_t i = before; i < all.size(); ++i) n += all[i].severity == Diagnostic::Severity::error;
  return n == 0 && !loaded ? 1 : n;
}

// Returns true when the grammars load (load() already runs every sample).
bool check_grammars(const fs::path& data_dir, Diagnostics& diag, Families& out) {
  const size_t before = diag.size();
  auto grammar = Grammar::load(data_dir / "grammars", diag);
  const size_t problems = problems_since(diag, before, grammar != nullptr);
  std::string what;
  if (grammar) {
    GrammarCounts c = count(*grammar);
    what = std::to_string(c.files) + " files, " + std::to_string(grammar->frames().size()) +
           " frames, " + std::to_string(c.kinds) + " kinds, " + std::to_string(c.families) +
           " generic families, " + std::to_string(grammar->log_types().size()) + " log types, " +
           std::to_string(c.samples) + " samples";
  }
  close_family(out, "grammars", what, problems);
  return problems == 0;
}

// The localizer's word tables (locales/<lang>/words.toml): Localizer::load checks them.
bool check_word_tables(const fs::path& locales, Diagnostics& diag, Families& out) {
  const size_t before = diag.size();
  auto localizer = Localizer::load(locales, diag);
  const size_t problems = problems_since(diag, before, localizer != nullptr);
  const std::string what = localizer ? std::to_string(localizer->languages().size()) + " languages" : "";
  close_family(out, "word tables", what, problems);
  return problems == 0;
}

// The texts for people: English loads, and every translation agrees with it.
bool check_translations(const fs::path& locales, Diagnostics& diag, Families& out) {
  const size_t before = diag.size();
  std::error_code ec;
  if (!fs::is_directory(locales, ec))
    diag.problem(locales.string(), "locale directory missing");
  else
    check_texts(locales, diag);
  const size_t problems = problems_since(diag, before);
  close_family(out, "texts", std::to_string(available_languages(locales).size()) + " languages",
               problems);
  return problems == 0;
}

struct Catalogues {
  std::unique_ptr<KeywordCatalogue> keywords;
  std::unique_ptr<ReferenceCatalogue> references;
};

// The keyword and references catalogues (grammars/catalogues/): their loads check them.
Catalogues check_catalogues(const fs::path& data_dir, Diagnostics& diag, Families& out) {
  const size_t before = diag.size();
  Catalogues c{KeywordCatalogue::load(data_dir, diag), ReferenceCatalogue::load(data_dir, diag)};
  const size_t problems = problems_since(diag, before, c.keywords && c.references);
  close_family(out, "catalogues",
               std::to_string(c.keywords ? c.keywords->entries().size() : 0) + " keywords, " +
                   std::to_string(c.references ? c.references->entries().size() : 0) + " references",
               problems);
  return c;
}

// The classifier's codes against the English texts and the references catalogue (what
// data_check.h requires). A catalogue that failed to load was reported above; its
// codes are then checked as far as they can be.
bool check_codes(const fs::path& data_dir, const Catalogues& c, Diagnostics& diag, Families& out) {
  const size_t before = diag.size();
  const fs::path english_dir = data_dir / "locales" / "en";
  Diagnostics quiet;  // Texts::load's own complaints were already reported under "texts"
  auto english = Texts::load(data_dir / "locales", "en", quiet);
  const auto keys = required_english_keys(c.keywords.get());
  if (!english) diag.problem(english_dir.string(), "English texts cannot be loaded");
  else report_missing_texts(*english, keys, english_dir, diag);
  if (c.references)
    report_missing_references(*c.references, data_dir / "grammars" / "catalogues" / "references.toml", diag);
  const size_t problems = problems_since(diag, before);
  close_family(out, "codes",
               std::to_string(keys.size()) + " English texts, " +
                   std::to_string(codes::kReferences.size()) + " references",
               problems);
  return problems == 0;
}

}  // namespace

int run_check(const CheckOptions& o, Streams io) {
  const fs::path data_dir = resolve_data_dir(o.data_dir);
  Diagnostics diag;
  Families summary;  // printed after the problems, as the closing lines
  bool ok = check_grammars(data_dir, diag, summary);
  ok = check_word_tables(data_dir / "locales", diag, summary) && ok;
  ok = check_translations(data_dir / "locales", diag, summary) && ok;
  const Catalogues catalogues = check_catalogues(data_dir, diag, summary);
  ok = check_codes(data_dir, catalogues, diag, summary) && ok;
  ok = ok && !diag.any_error();  // any_error: the catalogues' problems too
  if (o.format == "json") {
    io.out << check_json(ok, data_dir, summary, diag);
    return ok ? 0 : 1;
  }
  if (o.verbose) io.err << "mailtls check: data directory " << terminal_text(data_dir.string(), true) << "\n";
  for (const auto& d : diag.all()) io.err << terminal_text(d.format(), true) << "\n";
  if (!o.quiet)
    for (const auto& f : summary) io.out << terminal_text(family_line(f), true);
  return ok ? 0 : 1;
}

}  // namespace mailtls
