// Loading and checking locales/<lang>/words.toml. Every problem names the file and key;
// one bad table refuses the whole set, so a typo never silently stops a language.
#include <toml++/toml.h>

#include <algorithm>

#include "base/toml_position.h"
#include "parse/localizer.h"
#include "parse/localizer_words.h"

namespace mailtls {
namespace fs = std::filesystem;

std::string fold_word(std::string_view word) {
  std::string out(word);
  for (size_t i = 0; i < out.size(); ++i) {
    auto c = static_cast<unsigned char>(out[i]);
    if (c >= 'A' && c <= 'Z') {
      out[i] = static_cast<char>(c | 0x20);
    } else if (c == 0xC3 && i + 1 < out.size()) {
      // Latin-1 capitals U+00C0..U+00DE (but not U+00D7, the multiplication sign).
      auto d = static_cast<unsigned char>(out[i + 1]);
      if (d >= 0x80 && d <= 0x9E && d != 0x97) out[i + 1] = static_cast<char>(d + 0x20);
      ++i;
    }
  }
  return out;
}

std::string word_key(std::string_view word) {
  if (word.size() > 1 && word.back() == '.') word.remove_suffix(1);
  return fold_word(word);
}

namespace {

// One words.toml being checked: where problems are reported.
struct Loading {
  std::string file;
  Diagnostics& diag;
  bool ok = true;

  void error(const std::string& key, const std::string& message, const toml::node* at = nullptr) {
    diag.problem(file, "key '" + key + "': " + message, position_of(at));
    ok = false;
  }
};

bool has_space(std::string_view s) { return s.find_first_of(" \t") != std::string_view::npos; }

// Reads `key = ["word", ...]` into the list; reports anything else.
std::vector<std::string> read_words(Loading& ld, const std::string& key, const toml::node& node,
                                    bool allow_spaces) {
  std::vector<std::string> words;
  const auto* array = node.as_array();
  if (!array) {
    ld.error(key, "must be an array of strings", &node);
    return words;
  }
  for (const auto& item : *array) {
    const auto* s = item.as_string();
    if (!s || s->get().empty() || (!allow_spaces && has_space(s->get()))) {
      ld.error(key, allow_spaces ? "holds an empty or non-string entry" : "entries must be non-empty words without spaces",
               &item);
      continue;
    }
    words.push_back(s->get());
  }
  return words;
}

// Adds a table of canonical -> words; `names` (when not empty) are the only keys allowed
// and all of them are required.
void read_word_map(Loading& ld, const toml::table& root, std::string_view table, bool required,
                   const std::vector<std::string_view>& names, WordMap& out) {
  const std::string tkey(table);
  const auto* t = root[table].as_table();
  if (!t) {
    if (required) ld.error(tkey, "required table is missing");
    return;
  }
  for (const auto& [key, node] : *t) {
    const std::string canonical(key.str());
    const std::string where = tkey + "." + canonical;
    if (!names.empty() && std::find(names.begin(), names.end(), canonical) == names.end()) {
      ld.error(where, "unknown canonical word", &node);
      continue;
    }
    const auto words = read_words(ld, where, node, false);
    if (words.empty()) ld.error(where, "needs at least one word", &node);
    else out.first.emplace(canonical, words.front());
    for (const auto& w : words) {
      auto [it, fresh] = out.canonical.emplace(word_key(w), canonical);
      if (!fresh && it->second != canonical)
        ld.error(where, "'" + w + "' already stands for '" + it->second + "'", &node);
    }
  }
  for (auto name : names)
    if (!t->contains(name)) ld.error(tkey + "." + std::string(name), "missing", t);
}

void read_verbs(Loading& ld, const toml::table& root, LocaleWords& out) {
  const auto* t = root["verbs"].as_table();
  if (!t) return;
  std::map<std::string, std::string> seen;
  for (const auto& [key, node] : *t) {
    const std::string canonical(key.str());
    const auto words = read_words(ld, "verbs." + canonical, node, true);
    if (!words.empty()) out.first_verb.emplace(canonical, words.front());
    for (const auto& w : words) {
      auto [it, fresh] = seen.emplace(fold_word(w), canonical);
      if (!fresh && it->second != canonical)
        ld.error("verbs." + canonical, "'" + w + "' already stands for '" + it->second + "'", &node);
      else if (fresh) out.verbs.emplace_back(fold_word(w), canonical);
    }
  }
  std::stable_sort(out.verbs.begin(), out.verbs.end(),
                   [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
}

std::vector<std::string> read_list(Loading& ld, const toml::table& root, std::string_view table,
                                   std::string_view key) {
  const auto* node = root[table][key].node();
  if (!node) return {};
  return read_words(ld, std::string(table) + "." + std::string(key), *node, false);
}

void read_fillers(Loading& ld, const toml::table& root, LocaleWords& out) {
  for (const auto& w : read_list(ld, root, "fillers", "words")) {
    if (out.weekdays.find(w) || out.months.find(w) || out.levels.find(w))
      ld.error("fillers.words", "'" + w + "' is also a weekday, month or level word");
    out.fillers.insert(word_key(w));
  }
}

void check_placeholders(Loading& ld, const std::string& key, const std::string& text,
                        std::initializer_list<std::string_view> names) {
  for (auto name : names)
    if (text.find("{" + std::string(name) + "}") == std::string::npos)
      ld.error(key, "template lacks {" + std::string(name) + "}");
}

void read_render(Loading& ld, const toml::table& root, RenderTemplates& out) {
  const auto* t = root["render"].as_table();
  if (!t) return;
  auto text = [&](std::string_view key, std::string& field) {
    if (const auto* node = t->get(key)) {
      if (const auto* s = node->as_string()) field = s->get();
      else ld.error("render." + std::string(key), "must be a string", node);
    }
  };
  text("timestamp", out.timestamp);
  text("level", out.level);
  text("direction", out.direction);
  text("open", out.open);
  text("close", out.close);
  check_placeholders(ld, "render.timestamp", out.timestamp, {"weekday", "day", "month", "time", "year"});
  check_placeholders(ld, "render.level", out.level, {"level"});
  check_placeholders(ld, "render.direction", out.direction, {"id", "direction"});
}

void check_tables_known(Loading& ld, const toml::table& root) {
  static constexpr std::array<std::string_view, 9> kTables = {
      "weekdays", "months", "levels", "directions", "fillers", "quotes", "verbs", "keywords", "render"};
  for (const auto& [key, node] : root)
    if (std::find(kTables.begin(), kTables.end(), key.str()) == kTables.end())
      ld.error(std::string(key.str()),
               "unknown table (known: weekdays months levels directions fillers quotes verbs keywords render)", &node);
}

std::unique_ptr<LocaleWords> load_words(const fs::path& file, const std::string& code, Diagnostics& diag) {
  Loading ld{file.string(), diag};
  toml::table root;
  try {
    root = toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    diag.problem(ld.file, "TOML: " + std::string(e.description()), position_of(e.source()));
    return nullptr;
  }
  auto words = std::make_unique<LocaleWords>();
  words->code = code;
  check_tables_known(ld, root);
  read_word_map(ld, root, "weekdays", true, {kWeekdayNames.begin(), kWeekdayNames.end()}, words->weekdays);
  read_word_map(ld, root, "months", true, {kMonthNames.begin(), kMonthNames.end()}, words->months);
  read_word_map(ld, root, "levels", true, {kLevelNames.begin(), kLevelNames.end()}, words->levels);
  read_word_map(ld, root, "directions", true, {kDirectionNames.begin(), kDirectionNames.end()},
                words->directions);
  read_word_map(ld, root, "keywords", false, {}, words->keywords);
  read_verbs(ld, root, *words);
  read_fillers(ld, root, *words);
  words->quotes = read_list(ld, root, "quotes", "chars");
  read_render(ld, root, words->render);
  return ld.ok ? std::move(words) : nullptr;
}

}  // namespace

std::unique_ptr<Localizer> Localizer::load(const fs::path& locales_dir, Diagnostics& diag) {
  std::unique_ptr<Localizer> loc(new Localizer());
  std::error_code ec;
  std::vector<fs::path> dirs;
  for (const auto& entry : fs::directory_iterator(locales_dir, ec))
    if (entry.is_directory() && fs::exists(entry.path() / "words.toml")) dirs.push_back(entry.path());
  std::sort(dirs.begin(), dirs.end());
  bool ok = true;
  for (const auto& dir : dirs) {
    auto words = load_words(dir / "words.toml", dir.filename().string(), diag);
    if (!words) {
      ok = false;
      continue;
    }
    if (words->code == "en") loc->english_ = words.get();
    loc->langs_.push_back(std::move(words));
  }
  if (!loc->english_) {
    diag.problem((locales_dir / "en" / "words.toml").string(), "the English word table is required");
    ok = false;
  }
  return ok ? std::move(loc) : nullptr;
}

}  // namespace mailtls
