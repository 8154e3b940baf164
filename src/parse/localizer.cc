#include "parse/localizer.h"

#include <algorithm>

#include "parse/localizer_text.h"
#include "parse/localizer_words.h"

namespace mailtls {

Localizer::~Localizer() = default;

std::vector<std::string> Localizer::languages() const {
  std::vector<std::string> codes;
  for (const auto& l : langs_) codes.push_back(l->code);
  return codes;
}

bool Localizer::has_language(std::string_view lang) const { return find(lang) != nullptr; }

const LocaleWords* Localizer::find(std::string_view lang) const {
  for (const auto& l : langs_)
    if (l->code == lang) return l.get();
  return nullptr;
}

bool repair_leading_period(std::string_view line, std::string& out) {
  if (line.size() < 2 || line[0] != '.' || line[1] == '.' || line[1] == ' ' || line.back() == '.')
    return false;
  out.assign(line.substr(1)).push_back('.');
  return true;
}

bool repair_trailing_code(std::string_view text, std::string& out) {
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (text.size() < 5 || text[text.size() - 4] != ' ') return false;
  const std::string_view code = text.substr(text.size() - 3);
  if (code[0] < '2' || code[0] > '5' || code.find_first_not_of("0123456789") != std::string_view::npos)
    return false;
  out.assign(code).append(" ").append(text.substr(0, text.size() - 4));
  return true;
}

namespace {

struct Candidate {
  std::string text;
  int specific = -1;
  const LocaleWords* lang = nullptr;
};

// Reads the line with every language's tables; keeps the reading whose own words
// explain most of it (English when no language adds anything). Ties keep all languages
// in `tied` (for detection's split vote).
Candidate best_reading(const std::vector<std::unique_ptr<LocaleWords>>& langs, const LocaleWords& english,
                       std::string_view line, std::vector<const LocaleWords*>* tied) {
  Candidate best;
  for (const auto& l : langs) {
    Candidate c{{}, 0, l.get()};
    if (!canonical_line({*l, english}, line, c.text, c.specific)) continue;
    if (c.specific > best.specific || (c.specific == best.specific && l.get() == &english)) {
      best = std::move(c);
      if (tied) tied->assign(1, l.get());
    } else if (c.specific == best.specific && tied && best.lang != &english) {
      tied->push_back(l.get());
    }
  }
  return best;
}

}  // namespace

bool Localizer::restore(std::string_view line, std::string_view lang, std::string& out) const {
  std::string repaired;
  const std::string_view work = repair_leading_period(line, repaired) ? std::string_view(repaired) : line;
  std::string result;
  if (lang == "auto") {
    Candidate c = best_reading(langs_, *english_, work, nullptr);
    if (!c.lang) return false;
    result = std::move(c.text);
  } else {
    const LocaleWords* words = find(lang);
    int specific = 0;
    if (!words || !canonical_line({*words, *english_}, work, result, specific)) return false;
  }
  if (result == line) return false;
  out = std::move(result);
  return true;
}

bool Localizer::localize(std::string_view english_line, std::string_view lang, std::string& out) const {
  const LocaleWords* words = find(lang);
  if (!words) return false;
  const WordSource english{*english_, *english_};
  LinePrefix p;
  if (!read_prefix(english, english_line, p) || !p.names.empty() || !p.pri.empty()) return false;
  if (p.has_time() && p.year.empty()) return false;
  const std::string_view body = english_line.substr(p.body_at);
  LineDialogue d;
  int specific = 0;
  const bool dialogue = read_dialogue(english, body, d, specific);
  out = localized_line(*words, p, body, dialogue ? &d : nullptr);
  return true;
}

Localizer::Detection Localizer::detect(std::string_view head) const {
  // The last line of a head cut at a byte budget may be partial: not read.
  if (!head.empty() && head.back() != '\n') {
    const size_t nl = head.rfind('\n');
    if (nl != std::string_view::npos) head = head.substr(0, nl + 1);
  }
  std::vector<double> votes(langs_.size(), 0);
  double voted = 0;
  size_t pos = 0;
  for (int n = 0; n < 400 && pos < head.size(); ++n) {
    size_t end = std::min(head.find('\n', pos), head.size());
    std::string_view line = head.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    std::string repaired;
    if (repair_leading_period(line, repaired)) line = repaired;
    std::vector<const LocaleWords*> tied;
    if (!best_reading(langs_, *english_, line, &tied).lang) continue;
    voted += 1;
    for (const auto* l : tied) {
      const size_t i = static_cast<size_t>(std::find_if(langs_.begin(), langs_.end(), [&](const auto& x) { return x.get() == l; }) - langs_.begin());
      votes[i] += 1.0 / static_cast<double>(tied.size());
    }
  }
  Detection d;
  if (voted == 0) return d;
  const size_t best = static_cast<size_t>(std::max_element(votes.begin(), votes.end()) - votes.begin());
  d.lang = langs_[best]->code;
  d.confidence = votes[best] / voted;
  return d;
}

}  // namespace mailtls
