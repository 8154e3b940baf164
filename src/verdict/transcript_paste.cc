#include "verdict/transcript_paste.h"

#include <array>
#include <cctype>
#include <optional>
#include <string>

#include "verdict/ehlo.h"

namespace mailtls {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Opening and closing quote marks, ASCII and typographic (UTF-8).
constexpr std::array<std::string_view, 8> kQuotes = {"'", "\"", "«", "»", "„", "“", "”", "‘"};

std::string_view strip_quotes(std::string_view s) {
  s = trim(s);
  for (bool changed = true; changed;) {
    changed = false;
    for (std::string_view q : kQuotes) {
      if (s.size() >= q.size() && s.substr(0, q.size()) == q)
        s.remove_prefix(q.size()), changed = true;
      if (s.size() >= q.size() && s.substr(s.size() - q.size()) == q)
        s.remove_suffix(q.size()), changed = true;
    }
    s = trim(s);
  }
  return s;
}

// The marker words of debug-log lines; `sent` tells which side the appliance spoke.
struct Marker {
  std::string_view word;
  bool sent;
};
constexpr std::array<Marker, 12> kMarkers = {{
    {"sent", true},
    {"rcvd", false},
    {"rcvds", false},
    {"envoyé", true},
    {"enviado", true},
    {"recibido", false},
    {"gesendet", true},
    {"empfangen", false},
    {"inviato", true},
    {"ricevuto", false},
    {"received", false},
    {"recebido", false},
}};

struct DebugLine {
  bool sent = false;
  std::string_view text;
};

// Finds "<digits> <marker> :" and returns what follows the colon.
std::optional<DebugLine> match_debug_line(std::string_view line) {
  std::string low = lower(line);
  for (const Marker& m : kMarkers) {
    for (size_t at = low.find(m.word); at != std::string::npos; at = low.find(m.word, at + 1)) {
      if (at < 2 || low[at - 1] != ' ' || !std::isdigit(static_cast<unsigned char>(low[at - 2])))
        continue;
      size_t colon = at + m.word.size();
      while (colon < low.size() && low[colon] == ' ') ++colon;
      if (colon >= low.size() || low[colon] != ':') continue;
      return DebugLine{m.sent, line.substr(colon + 1)};
    }
  }
  return std::nullopt;
}

std::string_view strip_annotation(std::string_view s, bool& annotated) {
  size_t at = s.find("<---");
  annotated = at != std::string_view::npos;
  return annotated ? trim(s.substr(0, at)) : s;
}

bool is_hello(std::string_view text) {
  std::string w = first_word_upper(text);
  return w == "EHLO" || w == "HELO";
}

// State carried from line to line while reading the paste.
struct PasteState {
  bool prev_annotated = false;
  bool open_reply = false;  // the last server line was "NNN-": the reply continues
  int open_code = 0;
  bool rcvd_is_client = false;
};

// A code-less line that follows an annotation is the annotation's wrapped tail.
bool is_annotation_tail(std::string_view raw, const PasteState& st) {
  if (!st.prev_annotated || raw.empty() || raw.front() != '.') return false;
  std::string_view rest = raw.substr(1);
  return !rest.empty() && std::islower(static_cast<unsigned char>(rest.front()));
}

void add_server_or_client(std::vector<TranscriptLine>& out, std::string text, PasteState& st,
                          TranscriptLine line) {
  ReplyLine rl = split_reply_line(text);
  if (rl.code == 0 && st.open_reply && !is_hello(text)) {
    text = std::to_string(st.open_code) + " " + text;  // final line whose code was lost
    rl = split_reply_line(text);
  }
  line.sender = rl.code != 0 ? Sender::server : Sender::client;
  st.open_reply = rl.code != 0 && !rl.last;
  st.open_code = rl.code;
  line.text = std::move(text);
  out.push_back(std::move(line));
}

// RFC-style examples prefix each line with "S: " or "C: "; the reply code already tells
// the side, so the prefix is only dropped.
std::string_view strip_speaker_prefix(std::string_view raw) {
  if (raw.size() >= 2 && (raw[0] == 'S' || raw[0] == 'C') && raw[1] == ':')
    return trim(raw.substr(2));
  return raw;
}

void read_line(std::vector<TranscriptLine>& out, std::string_view raw, PasteState& st,
               TranscriptLine line) {
  raw = trim(raw);
  if (raw.empty()) return;
  if (is_annotation_tail(raw, st)) return;
  bool annotated = false;
  if (auto debug = match_debug_line(raw)) {
    std::string text = repair_reply_line(strip_quotes(strip_annotation(debug->text, annotated)));
    bool client = debug->sent != st.rcvd_is_client;
    line.sender = client ? Sender::client : Sender::server;
    ReplyLine rl = split_reply_line(text);
    st.open_reply = !client && rl.code != 0 && !rl.last;
    st.open_code = rl.code;
    line.text = std::move(text);
    out.push_back(std::move(line));
  } else {
    raw = strip_speaker_prefix(raw);
    std::string text = repair_reply_line(strip_quotes(strip_annotation(raw, annotated)));
    if (!text.empty()) add_server_or_client(out, std::move(text), st, std::move(line));
  }
  st.prev_annotated = annotated;
}

// An injection debug log (inbound) shows the remote client's EHLO as Rcvd.
bool rcvd_carries_hello(std::string_view text) {
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    auto debug = match_debug_line(text.substr(start, end - start));
    if (debug && !debug->sent && is_hello(strip_quotes(debug->text))) return true;
    start = end + 1;
  }
  return false;
}

}  // namespace

std::vector<TranscriptLine> parse_pasted_transcript(std::string_view text, int64_t source_id) {
  std::vector<TranscriptLine> out;
  PasteState st;
  st.rcvd_is_client = rcvd_carries_hello(text);
  int64_t line_no = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    TranscriptLine line;
    line.ref = LineRef{source_id, ++line_no};
    read_line(out, text.substr(start, end - start), st, std::move(line));
    start = end + 1;
  }
  return out;
}

}  // namespace mailtls
