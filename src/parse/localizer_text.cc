#include <cstdint>

#include "parse/localizer.h"
#include "parse/localizer_text.h"

namespace mailtls {
namespace {

// Byte length of the space at `i`: ASCII space or tab, and the no-break spaces French
// typography puts before a colon or inside guillemets (U+00A0, U+202F, U+2009); else 0.
size_t space_at(std::string_view s, size_t i) {
  if (i >= s.size()) return 0;
  if (s[i] == ' ' || s[i] == '\t') return 1;
  if (s.substr(i, 2) == "\xC2\xA0") return 2;
  if (s.substr(i, 3) == "\xE2\x80\xAF" || s.substr(i, 3) == "\xE2\x80\x89") return 3;
  return 0;
}

size_t skip_spaces(std::string_view s, size_t i) {
  while (size_t n = space_at(s, i)) i += n;
  return i;
}

std::string_view trim_right(std::string_view s) {
  while (!s.empty()) {
    if (s.back() == ' ' || s.back() == '\t') s.remove_suffix(1);
    else if (s.ends_with("\xC2\xA0")) s.remove_suffix(2);
    else if (s.ends_with("\xE2\x80\xAF") || s.ends_with("\xE2\x80\x89")) s.remove_suffix(3);
    else break;
  }
  return s;
}

struct Token {
  std::string_view text;
  size_t end = 0;
};

// The next space-separated token at or after `pos`; false at the end of the line.
bool next_token(std::string_view s, size_t& pos, Token& tok) {
  pos = skip_spaces(s, pos);
  if (pos >= s.size()) return false;
  size_t end = pos;
  while (end < s.size() && space_at(s, end) == 0) ++end;
  tok = {s.substr(pos, end - pos), end};
  pos = end;
  return true;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_digit(c)) return false;
  return true;
}

// h:mm:ss or hh:mm:ss
bool is_time(std::string_view s) {
  const size_t c1 = s.find(':');
  if (c1 != 1 && c1 != 2) return false;
  return s.size() == c1 + 6 && s[c1 + 3] == ':' && all_digits(s.substr(0, c1)) &&
         all_digits(s.substr(c1 + 1, 2)) && all_digits(s.substr(c1 + 4, 2));
}

template <size_t N>
int index_of(const std::array<std::string_view, N>& names, const std::string* canonical) {
  if (!canonical) return -1;
  for (size_t i = 0; i < N; ++i)
    if (names[i] == *canonical) return static_cast<int>(i);
  return -1;
}

// Looks a word up in the language's table, then in English; counts the hits that only
// the language (not English) explains, which is what detection weighs.
const std::string* lookup(const WordSource& w, WordMap LocaleWords::*table, std::string_view word,
                          int& specific) {
  const WordMap& english = w.english.*table;
  if (const auto* c = (w.lang.*table).find(word)) {
    if (!english.find(word)) ++specific;
    return c;
  }
  return &w.lang == &w.english ? nullptr : english.find(word);
}

// Monday = 0, from a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int weekday_of(int y, int m, int d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t days = static_cast<int64_t>(era) * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
  return static_cast<int>(((days % 7) + 7 + 3) % 7);  // 1970-01-01 was a Thursday
}

int to_int(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

// A level word ends the prefix: "Info:", "informations :" (French spacing).
bool take_level(const WordSource& w, std::string_view line, const Token& tok, LinePrefix& p) {
  const bool colon = tok.text.size() > 1 && tok.text.back() == ':';
  const std::string_view core = colon ? tok.text.substr(0, tok.text.size() - 1) : tok.text;
  int specific = 0;
  const std::string* level = lookup(w, &LocaleWords::levels, core, specific);
  if (!level) return false;
  size_t after = tok.end;
  if (!colon) {
    Token sep;
    size_t pos = tok.end;
    if (!next_token(line, pos, sep) || sep.text != ":") return false;
    after = sep.end;
  }
  p.level = *level;
  p.specific += specific;
  p.body_at = skip_spaces(line, after);
  return true;
}

// A number in the timestamp: the day (1-2 digits, "16." in German) or the year.
bool take_number(std::string_view word, LinePrefix& p) {
  if (word.size() > 1 && word.back() == '.') word.remove_suffix(1);
  if (!all_digits(word)) return false;
  if (word.size() <= 2 && p.day == 0 && p.time.empty()) p.day = to_int(word);
  else if (word.size() == 4 && p.year.empty()) p.year = word;
  else return false;
  return true;
}

// A weekday, month or filler word; the first word is tried as a weekday first, because
// "Mar" is Tuesday in French but March in English (sorted out in finish_prefix).
bool take_name(const WordSource& w, std::string_view word, bool first, LinePrefix& p, int& first_month) {
  int specific = 0;
  if (first && p.weekday < 0) {
    p.weekday = index_of(kWeekdayNames, lookup(w, &LocaleWords::weekdays, word, specific));
    if (p.weekday >= 0) {
      int month_specific = 0;
      first_month = index_of(kMonthNames, lookup(w, &LocaleWords::months, word, month_specific));
      p.specific += specific;
      p.month_instead = month_specific - specific;  // if it turns out to be the month
      return true;
    }
  }
  if (p.month < 0) {
    p.month = index_of(kMonthNames, lookup(w, &LocaleWords::months, word, specific));
    if (p.month >= 0) return p.specific += specific, true;
  }
  if (p.weekday < 0 && p.month < 0) {
    p.weekday = index_of(kWeekdayNames, lookup(w, &LocaleWords::weekdays, word, specific));
    if (p.weekday >= 0) return p.specific += specific, true;
  }
  if (w.lang.fillers.count(word_key(word))) return ++p.specific, true;
  return false;
}

bool nothing_yet(const LinePrefix& p) {
  return p.weekday < 0 && p.month < 0 && p.day == 0 && p.time.empty() && p.year.empty();
}

// Checks the parts found make a timestamp (all of month, day, time) or none at all.
bool finish_prefix(LinePrefix& p, int first_month) {
  if (p.month < 0 && first_month >= 0 && p.weekday >= 0) {
    p.month = first_month;  // "Mar 17 18:24:37": a month, not a weekday
    p.weekday = -1;
    p.specific += p.month_instead;
  }
  const bool any = p.month >= 0 || p.day > 0 || !p.time.empty() || p.weekday >= 0 || !p.year.empty();
  if (!any) return true;
  return p.month >= 0 && p.day >= 1 && p.day <= 31 && !p.time.empty();
}

}  // namespace

bool read_prefix(const WordSource& w, std::string_view line, LinePrefix& p) {
  size_t pos = 0;
  Token tok;
  int first_month = -1;
  for (int n = 0; n < 16 && next_token(line, pos, tok); ++n) {
    std::string_view word = tok.text;
    if (n == 0 && word.front() == '<') {
      const size_t gt = word.find('>');
      if (gt == std::string_view::npos || !all_digits(word.substr(1, gt - 1))) return false;
      p.pri = word.substr(0, gt + 1);
      word.remove_prefix(gt + 1);
      if (word.empty()) continue;
      tok.text = word;
    }
    if (take_level(w, line, tok, p)) return finish_prefix(p, first_month);
    if (is_time(word)) {
      if (!p.time.empty()) return false;
      p.time = word;
    } else if (!take_number(word, p) && !take_name(w, word, nothing_yet(p), p, first_month)) {
      if (p.time.empty() || p.names.size() >= 2) return false;
      p.names.push_back(word);  // syslog host and tag
    }
  }
  return false;
}

namespace {

bool is_ascii_quote(std::string_view s) { return s == "'" || s == "\""; }

// Length of the quote character `s` starts (or, with at_end, ends) with; 0 when none.
size_t quote_len(const LocaleWords& lang, std::string_view s, bool at_end) {
  if (s.empty()) return 0;
  const char edge = at_end ? s.back() : s.front();
  if (edge == '\'' || edge == '"') return 1;
  for (const auto& q : lang.quotes)
    if (at_end ? s.ends_with(q) : s.starts_with(q)) return q.size();
  return 0;
}

bool word_boundary(std::string_view text, size_t at) {
  return at >= text.size() || text[at] == ' ' || text[at] == ':' || text[at] == '<';
}

// "250 TAILLE 10485760" -> "250 SIZE 10485760": the keyword of an EHLO reply line.
bool restore_keyword(const LocaleWords& lang, std::string& text, int& specific) {
  if (text.size() < 5 || text.compare(0, 3, "250") != 0 || (text[3] != ' ' && text[3] != '-')) return false;
  const size_t end = std::min(text.find(' ', 4), text.size());
  const std::string* keyword = lang.keywords.find(std::string_view(text).substr(4, end - 4));
  if (!keyword) return false;
  text.replace(4, end - 4, *keyword);
  ++specific;
  return true;
}

// "MESSAGERIE" -> "MAIL", "MESSAGERIE DE : <a@b>" -> "MAIL FROM:<a@b>".
bool restore_verb(const LocaleWords& lang, std::string& text, int& specific) {
  const std::string folded = fold_word(std::string_view(text).substr(0, 64));
  for (const auto& [phrase, canonical] : lang.verbs) {
    if (!folded.starts_with(phrase) || !word_boundary(text, phrase.size())) continue;
    std::string rest = text.substr(phrase.size());
    if (rest.starts_with(" : ")) rest.replace(0, 3, ":");
    else if (rest.starts_with(" :")) rest.replace(0, 2, ":");
    text = canonical + rest;
    ++specific;
    return true;
  }
  return false;
}

bool starts_with_code(std::string_view text) {
  return text.size() >= 3 && all_digits(text.substr(0, 3)) && (text.size() == 3 || text[3] == ' ' || text[3] == '-');
}

}  // namespace

bool read_dialogue(const WordSource& w, std::string_view body, LineDialogue& d, int& specific) {
  size_t i = 0;
  while (i < body.size() && is_digit(body[i])) ++i;
  if (i == 0 || i >= body.size() || body[i] != ' ') return false;
  d.id = body.substr(0, i);
  Token tok;
  size_t pos = i;
  if (!next_token(body, pos, tok)) return false;
  const bool colon = tok.text.size() > 1 && tok.text.back() == ':';
  const std::string* dir =
      lookup(w, &LocaleWords::directions, colon ? tok.text.substr(0, tok.text.size() - 1) : tok.text, specific);
  if (!dir) return false;
  if (!colon) {
    Token sep;
    if (!next_token(body, pos, sep) || sep.text != ":") return false;
  }
  d.direction = *dir;
  std::string_view rest = body.substr(skip_spaces(body, pos));
  if (size_t q = quote_len(w.lang, rest, false)) {
    d.open = true;
    const bool ascii = is_ascii_quote(rest.substr(0, q));
    const char open_char = rest.front();
    rest.remove_prefix(q);
    if (!ascii) rest = rest.substr(skip_spaces(rest, 0));
    const std::string_view trimmed = trim_right(rest);
    if (size_t c = quote_len(w.lang, trimmed, true)) {
      const std::string_view close_quote = trimmed.substr(trimmed.size() - c);
      const bool close_ascii = is_ascii_quote(close_quote);
      // An ASCII quote closes only what the same ASCII quote opened ("'250 ok "x"" keeps
      // its last quote); a typographic one closes any.
      if (!close_ascii || !ascii || close_quote.front() == open_char) {
        d.close = true;
        rest = trimmed.substr(0, trimmed.size() - c);
        if (!close_ascii) rest = trim_right(rest);
      }
    }
  }
  d.text.assign(rest);
  std::string moved;
  if (!starts_with_code(d.text) && repair_trailing_code(d.text, moved)) d.text = moved;
  if (!restore_keyword(w.lang, d.text, specific)) restore_verb(w.lang, d.text, specific);
  return true;
}

std::string canonical_prefix(const LinePrefix& p) {
  std::string s(p.pri);
  if (p.has_time()) {
    const bool ctime = !p.year.empty() && p.names.empty();
    if (ctime) {
      const int wd = p.weekday >= 0 ? p.weekday : weekday_of(to_int(p.year), p.month + 1, p.day);
      s.append(kWeekdayNames[static_cast<size_t>(wd)]).append(" ");
    }
    s.append(kMonthNames[static_cast<size_t>(p.month)]).append(" ").append(std::to_string(p.day));
    s.append(" ").append(p.time);
    if (!p.year.empty()) s.append(" ").append(p.year);
    for (auto name : p.names) s.append(" ").append(name);
    s.append(" ");
  }
  return s.append(p.level).append(": ");
}

std::string canonical_dialogue(const LineDialogue& d) {
  std::string s(d.id);
  s.append(" ").append(d.direction).append(": ");
  if (d.open) s.append("'");
  s.append(d.text);
  if (d.close) s.append("'");
  return s;
}

bool canonical_line(const WordSource& w, std::string_view line, std::string& out, int& specific) {
  LinePrefix p;
  if (!read_prefix(w, line, p)) return false;
  specific += p.specific;
  out = canonical_prefix(p);
  const std::string_view body = line.substr(p.body_at);
  LineDialogue d;
  if (read_dialogue(w, body, d, specific)) out += canonical_dialogue(d);
  else out.append(body);
  return true;
}

}  // namespace mailtls

namespace mailtls {
namespace {

using Vars = std::vector<std::pair<std::string_view, std::string>>;

// Replaces each "{name}" of a [render] template.
std::string fill(std::string_view tpl, const Vars& vars) {
  std::string out;
  for (size_t i = 0; i < tpl.size(); ++i) {
    bool done = false;
    if (tpl[i] == '{')
      for (const auto& [name, value] : vars)
        if (tpl.substr(i + 1, name.size()) == name && tpl.substr(i + 1 + name.size(), 1) == "}") {
          out += value;
          i += name.size() + 1;
          done = true;
          break;
        }
    if (!done) out += tpl[i];
  }
  return out;
}

std::string first_word(const WordMap& map, std::string_view canonical) {
  auto it = map.first.find(canonical);
  return it == map.first.end() ? std::string(canonical) : it->second;
}

// The English text of a dialogue line with its verb or EHLO keyword translated.
std::string localized_text(const LocaleWords& lang, const std::string& text) {
  if (text.size() >= 5 && text.compare(0, 3, "250") == 0 && (text[3] == ' ' || text[3] == '-')) {
    const size_t end = std::min(text.find(' ', 4), text.size());
    auto it = lang.keywords.first.find(std::string_view(text).substr(4, end - 4));
    if (it == lang.keywords.first.end()) return text;
    return text.substr(0, 4) + it->second + text.substr(end);
  }
  const std::pair<const std::string, std::string>* best = nullptr;
  for (const auto& entry : lang.first_verb)
    if (text.starts_with(entry.first) && word_boundary(text, entry.first.size()) &&
        (!best || entry.first.size() > best->first.size()))
      best = &entry;
  return best ? best->second + text.substr(best->first.size()) : text;
}

}  // namespace

std::string localized_line(const LocaleWords& lang, const LinePrefix& p, std::string_view body,
                           const LineDialogue* d) {
  std::string s;
  if (p.has_time()) {
    const int wd = p.weekday >= 0 ? p.weekday : weekday_of(to_int(p.year), p.month + 1, p.day);
    s = fill(lang.render.timestamp,
             {{"weekday", first_word(lang.weekdays, kWeekdayNames[static_cast<size_t>(wd)])},
              {"day", std::to_string(p.day)},
              {"month", first_word(lang.months, kMonthNames[static_cast<size_t>(p.month)])},
              {"time", std::string(p.time)},
              {"year", std::string(p.year)}}) + " ";
  }
  s += fill(lang.render.level, {{"level", first_word(lang.levels, p.level)}});
  if (!d) return s.append(body);
  s += fill(lang.render.direction, {{"id", std::string(d->id)}, {"direction", first_word(lang.directions, d->direction)}});
  if (d->open) s += lang.render.open;
  s += localized_text(lang, d->text);
  if (d->close) s += lang.render.close;
  return s;
}

}  // namespace mailtls
