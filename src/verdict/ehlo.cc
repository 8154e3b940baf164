#include "verdict/ehlo.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace mailtls {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool is_code_at(std::string_view s, size_t pos) {
  return s.size() >= pos + 3 && s[pos] >= '2' && s[pos] <= '5' && is_digit(s[pos + 1]) &&
         is_digit(s[pos + 2]);
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// Keywords common enough to tell a keyword line from a domain line when the first line
// of a reply is not a host name. The parser runs without the data directory (the
// classifier is pure), so this short list lives here rather than in keywords.toml.
constexpr std::array<std::string_view, 16> kCommonKeywords = {
    "STARTTLS",  "SIZE",      "8BITMIME", "PIPELINING",          "AUTH",       "DSN",  "HELP",
    "ETRN",      "CHUNKING",  "SMTPUTF8", "ENHANCEDSTATUSCODES", "BINARYMIME", "VRFY", "EXPN",
    "DELIVERBY", "REQUIRETLS"};

bool is_common_keyword(std::string_view word) {
  std::string key = upper(word.substr(0, word.find('=')));
  return std::find(kCommonKeywords.begin(), kCommonKeywords.end(), key) != kCommonKeywords.end();
}

// A domain or address literal: EHLO keywords never contain a dot, host names do.
bool looks_like_domain(std::string_view word) {
  if (word.empty()) return false;
  if (word.front() == '[') return true;
  return word.find('.') != std::string_view::npos && word.find('=') == std::string_view::npos;
}

std::string_view first_word(std::string_view text) {
  text = trim(text);
  return text.substr(0, text.find(' '));
}

EhloKeyword parse_keyword_line(std::string_view text) {
  text = trim(text);
  std::string_view word = text.substr(0, text.find(' '));
  std::string_view rest = word.size() < text.size() ? trim(text.substr(word.size())) : "";
  EhloKeyword kw;
  // "AUTH=LOGIN" is the pre-standard form of "AUTH LOGIN": same keyword, params after '='.
  size_t eq = word.find('=');
  if (eq != std::string_view::npos) {
    std::string params(word.substr(eq + 1));
    if (!rest.empty()) params += (params.empty() ? "" : " ") + std::string(rest);
    kw.params = params;
    word = word.substr(0, eq);
  } else {
    kw.params = std::string(rest);
  }
  kw.keyword = upper(word);
  return kw;
}

// The domain line is the first line unless that line holds a keyword and a later line
// holds a host name: then the later one is where the server put its domain.
int find_domain_line(const std::vector<std::string_view>& texts) {
  if (texts.empty()) return -1;
  std::string_view first = first_word(texts[0]);
  if (looks_like_domain(first)) return 0;
  if (!is_common_keyword(first) && !is_masked_token(first)) return first.empty() ? -1 : 0;
  for (size_t i = 1; i < texts.size(); ++i)
    if (looks_like_domain(first_word(texts[i]))) return static_cast<int>(i);
  // A strict client reads a lone leading "STARTTLS" as the domain: it is misplaced.
  return upper(first) == "STARTTLS" ? 0 : -1;
}

void note_keyword(EhloReply& r, int index, bool before_domain) {
  const EhloKeyword& kw = r.keywords.back();
  if (kw.keyword == "STARTTLS") {
    if (before_domain) {
      if (r.misplaced_starttls_line < 0) r.misplaced_starttls_line = index;
    } else {
      r.starttls = true;
    }
  }
  if (r.masked_line < 0 && is_masked_token(kw.keyword)) r.masked_line = index;
}

void read_domain_line(EhloReply& r, std::string_view text, int index) {
  text = trim(text);
  std::string_view word = text.substr(0, text.find(' '));
  r.domain = std::string(word);
  r.greeting = word.size() < text.size() ? std::string(trim(text.substr(word.size()))) : "";
  r.domain_line = index;
}

}  // namespace

bool starts_with_reply_code(std::string_view line) {
  return is_code_at(line, 0) && (line.size() == 3 || line[3] == ' ' || line[3] == '-');
}

ReplyLine split_reply_line(std::string_view line) {
  ReplyLine out;
  if (!starts_with_reply_code(line)) {
    out.text = trim(line);
    return out;
  }
  out.code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
  out.last = line.size() == 3 || line[3] == ' ';
  out.text = line.size() > 4 ? trim(line.substr(4)) : std::string_view();
  return out;
}

std::string_view repair_reply_line(std::string_view line, std::string& storage) {
  line = trim(line);
  // Right-to-left rendering moves a final period to the front of the line.
  if (line.size() > 1 && line.front() == '.' && is_digit(line[1])) line.remove_prefix(1);
  if (starts_with_reply_code(line)) return line;
  // ... and a leading reply code to the end: "host ESMTP ready 220".
  if (line.size() > 4 && line[line.size() - 4] == ' ' && is_code_at(line, line.size() - 3)) {
    const std::string_view code = line.substr(line.size() - 3);
    const std::string_view rest = trim(line.substr(0, line.size() - 4));
    storage.assign(code).append(" ").append(rest);
    return storage;
  }
  return line;
}

std::string repair_reply_line(std::string_view line) {
  std::string storage;
  return std::string(repair_reply_line(line, storage));
}

bool is_masked_token(std::string_view token) {
  if (token.size() < 4) return false;
  size_t xs =
      std::count_if(token.begin(), token.end(), [](char c) { return c == 'X' || c == 'x'; });
  return xs + 1 >= token.size() && (token[0] == 'X' || token[0] == 'x');
}

bool is_masked_banner(std::string_view line) {
  std::string storage;
  ReplyLine r = split_reply_line(repair_reply_line(line, storage));
  if (r.code != 220 || r.text.size() < 3) return false;
  return std::all_of(r.text.begin(), r.text.end(), [](char c) { return c == '*' || c == ' '; });
}

std::string first_word_upper(std::string_view text) {
  return upper(first_word(text));
}

std::string server_name_in_reply(std::string_view line) {
  if (line.size() < 5 || (line.compare(0, 3, "220") != 0 && line.compare(0, 3, "250") != 0) ||
      (line[3] != ' ' && line[3] != '-'))
    return {};
  std::string_view rest = line.substr(4);
  const std::string_view word = rest.substr(0, rest.find(' '));
  bool dot = false, letter = false;
  for (char ch : word) {
    const auto c = static_cast<unsigned char>(ch);
    if (ch == '.') dot = true;
    else if (std::isalpha(c)) letter = true;
    else if (!std::isdigit(c) && ch != '-') return {};
  }
  return dot && letter ? std::string(word) : std::string();
}

EhloReply parse_ehlo_reply(const std::vector<std::string_view>& lines) {
  EhloReply r;
  // Each line's text views the line itself or, when it was repaired, its copy in
  // `repaired` (reserved up front so that no copy moves).
  std::vector<std::string_view> texts;
  texts.reserve(lines.size());
  std::vector<std::string> repaired;
  std::string scratch;
  for (std::string_view raw : lines) {
    std::string_view fixed = repair_reply_line(raw, scratch);
    if (fixed.data() == scratch.data()) {
      if (repaired.empty()) repaired.reserve(lines.size());
      fixed = repaired.emplace_back(scratch);
    }
    ReplyLine rl = split_reply_line(fixed);
    if (r.code == 0 && rl.code != 0) r.code = rl.code;
    texts.push_back(rl.text);
  }
  r.rejected = r.code == 500 || r.code == 502 || r.code == 504;
  if (r.rejected || texts.empty()) return r;
  r.domain_line = find_domain_line(texts);
  for (size_t i = 0; i < texts.size(); ++i) {
    int index = static_cast<int>(i);
    if (index == r.domain_line) {
      read_domain_line(r, texts[i], index);
      continue;
    }
    if (trim(texts[i]).empty()) continue;
    r.keywords.push_back(parse_keyword_line(texts[i]));
    r.keyword_lines.push_back(index);
    note_keyword(r, index, index < r.domain_line);
  }
  // A lone "STARTTLS" taken as the domain by a strict client is misplaced, not offered.
  if (r.domain_line >= 0 && upper(r.domain) == "STARTTLS" && !r.starttls)
    r.misplaced_starttls_line = r.domain_line;
  return r;
}

}  // namespace mailtls
