#include "render/texts.h"

#include "base/toml_position.h"

#include <toml++/toml.h>

#include <algorithm>
#include <set>

namespace mailtls {
namespace fs = std::filesystem;
using TextMap = std::map<std::string, std::string, std::less<>>;

namespace {

void flatten(const toml::table& table, const std::string& prefix, TextMap& out, TextPlaces* places,
             const std::string& file, Diagnostics& diag) {
  for (const auto& [key, node] : table) {
    std::string name = prefix.empty() ? std::string(key.str()) : prefix + "." + std::string(key.str());
    if (const auto* sub = node.as_table()) {
      flatten(*sub, name, out, places, file, diag);
    } else if (const auto* text = node.as_string()) {
      if (places) (*places)[name] = {file, position_of(key.source())};
      out[name] = text->get();
    } else {
      diag.problem(file, "key '" + name + "' must be a string or a table", position_of(key.source()));
    }
  }
}

std::set<std::string> placeholders(std::string_view text) {
  std::set<std::string> names;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '{') continue;
    if (i + 1 < text.size() && text[i + 1] == '{') { ++i; continue; }
    size_t end = text.find('}', i);
    if (end == std::string_view::npos) break;
    names.emplace(text.substr(i + 1, end - i - 1));
    i = end;
  }
  return names;
}

// A plural form English does not have (Arabic's `key.two`, `key.few`...) is checked
// against the English `key.other`; end() when the key is no such form.
TextMap::const_iterator plural_original(const TextMap& english, const std::string& key) {
  const size_t dot = key.rfind('.');
  if (dot == std::string::npos) return english.end();
  const std::string_view form = std::string_view(key).substr(dot + 1);
  if (form != "zero" && form != "one" && form != "two" && form != "few" && form != "many") return english.end();
  return english.find(key.substr(0, dot) + ".other");
}

}  // namespace

bool load_texts_file_set(const fs::path& lang_dir, TextMap& out, Diagnostics& diag, TextPlaces* places) {
  std::error_code ec;
  if (!fs::is_directory(lang_dir, ec)) return false;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(lang_dir, ec))
    if (entry.path().extension() == ".toml" && entry.path().filename() != "words.toml")
      files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  bool ok = true;
  for (const auto& file : files) {
    try {
      flatten(toml::parse_file(file.string()), "", out, places, file.string(), diag);
    } catch (const toml::parse_error& e) {
      diag.problem(file.string(), "TOML: " + std::string(e.description()), position_of(e.source()));
      ok = false;
    }
  }
  return ok;
}

std::unique_ptr<Texts> Texts::load(const fs::path& locales_dir, std::string_view lang,
                                   Diagnostics& diag) {
  auto texts = std::unique_ptr<Texts>(new Texts);
  if (!load_texts_file_set(locales_dir / "en", texts->english_, diag)) {
    diag.problem((locales_dir / "en").string(), "English texts cannot be loaded");
    return nullptr;
  }
  texts->lang_ = std::string(lang);
  if (lang != "en" && !load_texts_file_set(locales_dir / std::string(lang), texts->chosen_, diag)) {
    diag.warning((locales_dir / std::string(lang)).string(), -1,
                 "no texts for language '" + std::string(lang) + "': using English");
    texts->lang_ = "en";
  }
  auto dir = texts->chosen_.find("meta.direction");
  texts->rtl_ = dir != texts->chosen_.end() && dir->second == "rtl";
  return texts;
}

bool Texts::has(std::string_view key) const {
  return chosen_.count(key) > 0 || english_.count(key) > 0;
}

bool Texts::translated(std::string_view key) const { return chosen_.count(key) > 0; }

std::string Texts::get(std::string_view key) const {
  if (auto it = chosen_.find(key); it != chosen_.end()) return it->second;
  if (auto it = english_.find(key); it != english_.end()) return it->second;
  return "[" + std::string(key) + "]";
}

std::string Texts::render(std::string_view key, const std::map<std::string, std::string>& vars) const {
  const std::string text = get(key);
  std::string out;
  out.reserve(text.size() + 32);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '{' && i + 1 < text.size() && text[i + 1] == '{') { out += '{'; ++i; continue; }
    if (text[i] == '}' && i + 1 < text.size() && text[i + 1] == '}') { out += '}'; ++i; continue; }
    size_t end = text[i] == '{' ? text.find('}', i) : std::string::npos;
    if (end == std::string::npos) { out += text[i]; continue; }
    auto it = vars.find(text.substr(i + 1, end - i - 1));
    out += it != vars.end() ? it->second : text.substr(i, end - i + 1);
    i = end;
  }
  return out;
}

std::string_view plural_category(std::string_view lang, int64_t n) {
  if (lang == "ar") {
    const int64_t tail = n % 100;
    if (n == 0) return "zero";
    if (n == 1) return "one";
    if (n == 2) return "two";
    if (tail >= 3 && tail <= 10) return "few";
    if (tail >= 11 && tail <= 99) return "many";
    return "other";
  }
  if (lang == "fr" || lang == "pt") return n == 0 || n == 1 ? "one" : "other";
  return n == 1 ? "one" : "other";
}

std::string Texts::count(std::string_view key, int64_t n, const std::map<std::string, std::string>& vars) const {
  auto all = vars;
  all["count"] = std::to_string(n);
  const std::string base(key);
  const std::string chosen = base + "." + std::string(plural_category(lang_, n));
  if (translated(chosen)) return render(chosen, all);
  if (translated(base + ".other")) return render(base + ".other", all);
  // English: its own rule on the English texts.
  const std::string english = base + "." + std::string(plural_category("en", n));
  return render(english_.count(english) ? english : base + ".other", all);
}

std::vector<std::string> Texts::keys() const {
  std::set<std::string> all;
  for (const auto& [k, v] : english_) all.insert(k);
  for (const auto& [k, v] : chosen_) all.insert(k);
  return {all.begin(), all.end()};
}

std::vector<std::string> available_languages(const fs::path& locales_dir) {
  std::vector<std::string> langs;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(locales_dir, ec))
    if (entry.is_directory()) langs.push_back(entry.path().filename().string());
  std::sort(langs.begin(), langs.end());
  return langs;
}

bool check_texts(const fs::path& locales_dir, Diagnostics& diag) {
  TextMap english;
  if (!load_texts_file_set(locales_dir / "en", english, diag)) {
    diag.problem((locales_dir / "en").string(), "English texts cannot be loaded");
    return false;
  }
  bool ok = true;
  for (const auto& lang : available_languages(locales_dir)) {
    if (lang == "en") continue;
    TextMap texts;
    TextPlaces places;
    if (!load_texts_file_set(locales_dir / lang, texts, diag, &places)) { ok = false; continue; }
    for (const auto& [key, text] : texts) {
      TextMap::const_iterator base = english.find(key);
      if (base == english.end()) base = plural_original(english, key);
      if (base == english.end()) {
        if (key.rfind("meta.", 0) == 0) continue;
        diag.problem(places[key].first, "text '" + key + "' has no English original", places[key].second);
        ok = false;
        continue;
      }
      auto allowed = placeholders(base->second);
      for (const auto& name : placeholders(text))
        if (!allowed.count(name)) {
          diag.problem(places[key].first, "text '" + key + "' uses {" + name + "}, unknown to the English text",
                       places[key].second);
          ok = false;
        }
    }
  }
  return ok;
}

}  // namespace mailtls
