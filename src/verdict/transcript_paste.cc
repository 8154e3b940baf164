#include "verdict/transcript_paste.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <optional>
#include <string>

#include "verdict/ehlo.h"
#include "verdict/paste_logs.h"

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

// A closing quote whose opening one is inside the line belongs to the line
// ('500 5.5.1 Command unrecognized: "STARTTLS"'), so it is kept.
std::string_view strip_quotes(std::string_view s) {
  s = trim(s);
  for (bool changed = true; changed;) {
    changed = false;
    for (std::string_view q : kQuotes) {
      bool opened = s.size() >= q.size() && s.substr(0, q.size()) == q;
      if (opened) s.remove_prefix(q.size()), changed = true;
      bool closes = s.size() >= q.size() && s.substr(s.size() - q.size()) == q;
      if (closes && (opened || s.find(q) == s.size() - q.size()))
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
  std::string_view id;  // the connection id before the marker ("5165207")
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
      size_t id = at - 1;
      while (id > 0 && std::isdigit(static_cast<unsigned char>(low[id - 1]))) --id;
      return DebugLine{m.sent, line.substr(colon + 1), line.substr(id, at - 1 - id)};
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

// What read_line found on a line.
enum class Read { nothing, debug, marked, bare };

// A marker (S:/C:, <<</>>>, </>, maybe after a timestamp) only tells where the SMTP text
// starts; the reply code already tells the side, so the marker is dropped.
Read read_line(std::vector<TranscriptLine>& out, std::string_view raw, PasteState& st,
               TranscriptLine line) {
  raw = trim(raw);
  if (raw.empty()) return Read::nothing;
  if (is_annotation_tail(raw, st)) return Read::nothing;
  bool annotated = false;
  Read what = Read::bare;
  if (auto debug = match_debug_line(raw)) {
    std::string text = repair_reply_line(strip_quotes(strip_annotation(debug->text, annotated)));
    bool client = debug->sent != st.rcvd_is_client;
    line.sender = client ? Sender::client : Sender::server;
    ReplyLine rl = split_reply_line(text);
    st.open_reply = !client && rl.code != 0 && !rl.last;
    st.open_code = rl.code;
    line.text = std::move(text);
    out.push_back(std::move(line));
    what = Read::debug;
  } else {
    if (auto marked = strip_dialogue_marker(raw)) {
      raw = *marked;
      what = Read::marked;
    }
    std::string text = repair_reply_line(strip_quotes(strip_annotation(raw, annotated)));
    if (text.empty()) what = Read::nothing;
    else add_server_or_client(out, std::move(text), st, std::move(line));
  }
  st.prev_annotated = annotated;
  return what;
}

// An injection debug log (inbound) shows the remote client's EHLO as Rcvd.
bool rcvd_carries_hello(const std::vector<NumberedLine>& lines) {
  for (const NumberedLine& l : lines) {
    auto debug = match_debug_line(l.text);
    if (debug && !debug->sent && is_hello(strip_quotes(debug->text))) return true;
  }
  return false;
}

std::vector<NumberedLine> split_lines(std::string_view text) {
  std::vector<NumberedLine> out;
  int64_t line_no = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    while (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out.push_back({line, ++line_no});
    start = end + 1;
  }
  return out;
}

// ---- the dialogue family: bare, marked, debug-log lines and telnet/nc prompts ----

bool is_verb_line(const TranscriptLine& l) {
  return is_smtp_verb(first_word_upper(l.text));
}

// Reads a run of dialogue lines into connections: a telnet prompt "Trying ..." or a new
// 220 greeting after QUIT starts the next one.
class PlainReader {
 public:
  PlainReader(const std::vector<NumberedLine>& lines, int64_t source_id)
      : source_(source_id) {
    st_.rcvd_is_client = rcvd_carries_hello(lines);
  }
  void read(const NumberedLine& l);
  std::vector<PastedDialogue> finish() {
    flush();
    return std::move(out_);
  }

 private:
  void flush();
  bool read_prompt(const NumberedLine& l);
  void after_line(const NumberedLine& l, Read what);

  int64_t source_;
  PasteState st_;
  PastedDialogue cur_;
  bool prompts_ = false, debug_ = false, marked_ = false;
  bool quit_ = false;       // the client said QUIT: a new greeting is a new connection
  bool in_data_ = false;    // between 354 and ".": message lines, not commands
  bool tls_cut_ = false;    // telnet/nc after 220 to STARTTLS: the rest cannot be TLS
  std::vector<PastedDialogue> out_;
};

void PlainReader::flush() {
  if (cur_.first_line != 0) {
    cur_.shape = debug_ ? PasteShape::esa_debug
                 : prompts_ ? PasteShape::telnet
                 : marked_ ? PasteShape::marked : PasteShape::dialogue;
    out_.push_back(std::move(cur_));
  }
  cur_ = PastedDialogue{};
  st_ = PasteState{.rcvd_is_client = st_.rcvd_is_client};
  prompts_ = debug_ = marked_ = quit_ = in_data_ = tls_cut_ = false;
}

bool PlainReader::read_prompt(const NumberedLine& l) {
  ToolLine t = read_curl_line(l.text);
  if (t.kind != PasteLineKind::none) {
    add_tool_line(cur_, t, l, source_);
    return true;
  }
  t = read_telnet_line(l.text);
  if (t.kind == PasteLineKind::none) return false;
  if (t.starts_connection && (cur_.first_line != 0)) flush();
  prompts_ = true;
  if (!tls_cut_) add_tool_line(cur_, t, l, source_);
  return true;
}

void PlainReader::read(const NumberedLine& l) {
  if (read_prompt(l) || tls_cut_) return;
  TranscriptLine line;
  line.ref = LineRef{source_, l.line_no};
  const size_t before = cur_.transcript.size();
  Read what = read_line(cur_.transcript, l.text, st_, std::move(line));
  if (cur_.transcript.size() == before) return;
  after_line(l, what);
}

void PlainReader::after_line(const NumberedLine& l, Read what) {
  TranscriptLine& last = cur_.transcript.back();
  const bool server = last.sender == Sender::server;
  // Prose around a pasted dialogue ("here is what I got:") is no SMTP command.
  if (!server && what != Read::debug && !in_data_ && !is_verb_line(last)) {
    cur_.transcript.pop_back();
    return;
  }
  if (server && quit_ && starts_with_reply_code(last.text) && last.text.substr(0, 3) == "220") {
    TranscriptLine greeting = std::move(last);
    cur_.transcript.pop_back();
    flush();
    cur_.transcript.push_back(std::move(greeting));
  }
  debug_ |= what == Read::debug;
  marked_ |= what == Read::marked;
  if (cur_.first_line == 0) cur_.first_line = l.line_no;
  cur_.last_line = l.line_no;
  const TranscriptLine& now = cur_.transcript.back();
  std::string verb = server ? "" : first_word_upper(now.text);
  if (verb == "QUIT") quit_ = true;
  if (server) in_data_ = now.text.substr(0, 3) == "354";
  if (!server && in_data_ && trim(now.text) == ".") in_data_ = false;
  // A terminal cannot speak TLS: after 220 to STARTTLS the paste shows no more of it.
  if (prompts_ && server && now.text.substr(0, 3) == "220" && cur_.transcript.size() >= 2) {
    const TranscriptLine& prev = cur_.transcript[cur_.transcript.size() - 2];
    tls_cut_ = prev.sender == Sender::client && first_word_upper(prev.text) == "STARTTLS";
  }
}

// ---- runs of one tool's output ----

bool dialogue_family(PasteShape s) {
  return s == PasteShape::dialogue || s == PasteShape::marked || s == PasteShape::esa_debug ||
         s == PasteShape::telnet;
}

// Consecutive lines of a paste that share one shape (a tool's output, a dialogue).
struct ShapeSpan {
  PasteShape shape;  // dialogue for the whole dialogue family
  size_t begin, end;
};

std::vector<ShapeSpan> cut_spans(const std::vector<NumberedLine>& lines) {
  std::vector<ShapeSpan> runs;
  for (size_t i = 0; i < lines.size(); ++i) {
    auto sig = line_signature(lines[i].text);
    if (!sig) continue;
    PasteShape family = dialogue_family(*sig) ? PasteShape::dialogue : *sig;
    if (!runs.empty() && runs.back().shape == family) continue;
    if (!runs.empty()) runs.back().end = i;
    runs.push_back({family, runs.empty() ? 0 : i, lines.size()});
  }
  if (runs.empty()) runs.push_back({PasteShape::dialogue, 0, lines.size()});
  return runs;
}

ToolLine openssl_reader(std::string_view line, bool no_starttls) {
  return read_openssl_line(line, no_starttls);
}

// A run of swaks, posttls-finger or openssl output: a line the tool prints when it
// connects starts the next connection.
std::vector<PastedDialogue> read_tool_run(const std::vector<NumberedLine>& lines,
                                          PasteShape shape, int64_t source_id) {
  std::vector<PastedDialogue> out(1);
  bool no_starttls = false, summary_seen = false;
  for (const NumberedLine& l : lines) {
    ToolLine t = shape == PasteShape::swaks            ? read_swaks_line(l.text)
                 : shape == PasteShape::posttls_finger ? read_posttls_finger_line(l.text)
                                                       : openssl_reader(l.text, no_starttls);
    // openssl prints its errors before "CONNECTED(": a run ends with its summary.
    bool starts = shape == PasteShape::openssl
                      ? summary_seen && line_signature(l.text) == PasteShape::openssl &&
                            l.text.find("Verify return code") == std::string_view::npos &&
                            l.text.find("SSL-Session") == std::string_view::npos
                      : t.starts_connection;
    if (starts && out.back().first_line != 0) {
      out.emplace_back();
      no_starttls = summary_seen = false;
      if (shape == PasteShape::openssl) t = openssl_reader(l.text, false);
    }
    if (t.kind == PasteLineKind::result && t.event == EventType::dcid_starttls_unsupported)
      no_starttls = true;
    if (l.text.find("Verify return code") != std::string_view::npos || trim(l.text) == "DONE")
      summary_seen = true;
    out.back().shape = shape;
    add_tool_line(out.back(), t, l, source_id);
  }
  return out;
}

// A debug log interleaves its connections, each line naming its own: they are read
// apart, each in the order of its first line. Lines without an id stay with the last id.
std::vector<PastedDialogue> read_dialogue_run(const std::vector<NumberedLine>& lines,
                                              int64_t source_id) {
  std::vector<std::string_view> order;
  std::map<std::string_view, std::vector<NumberedLine>> by_id;
  std::string_view current;
  for (const NumberedLine& l : lines) {
    if (auto debug = match_debug_line(l.text)) current = debug->id;
    auto [it, fresh] = by_id.try_emplace(current);
    if (fresh) order.push_back(current);
    it->second.push_back(l);
  }
  std::vector<PastedDialogue> out;
  for (std::string_view id : order) {
    const std::vector<NumberedLine>& part = by_id[id];
    PlainReader reader(part, source_id);
    for (const NumberedLine& l : part) reader.read(l);
    for (PastedDialogue& d : reader.finish()) out.push_back(std::move(d));
  }
  std::stable_sort(out.begin(), out.end(), [](const PastedDialogue& a, const PastedDialogue& b) {
    return a.first_line < b.first_line;
  });
  return out;
}

std::vector<PastedDialogue> read_run(const std::vector<NumberedLine>& lines, PasteShape shape,
                                     int64_t source_id) {
  switch (shape) {
    case PasteShape::exchange:
      return read_exchange_log(lines, source_id);
    case PasteShape::postfix_log:
      return read_postfix_log(lines, source_id);
    case PasteShape::swaks:
    case PasteShape::posttls_finger:
    case PasteShape::openssl:
      return read_tool_run(lines, shape, source_id);
    default:
      return read_dialogue_run(lines, source_id);
  }
}

bool is_tls_fact(EventType e) {
  return e != EventType::delivery_done && e != EventType::delayed && e != EventType::bounced &&
         e != EventType::other;
}

// A connection is worth explaining when it shows an SMTP command, a greeting or EHLO
// reply, or a TLS result; prose alone, or a delivery line alone, is not one.
bool has_substance(const PastedDialogue& d) {
  for (const LogLine& l : d.log)
    if (is_tls_fact(l.type) && l.type != EventType::connection_error) return true;
  for (const TranscriptLine& t : d.transcript) {
    if (t.sender == Sender::client && is_verb_line(t)) return true;
    if (t.sender == Sender::server && (t.text.substr(0, 3) == "220" || t.text.substr(0, 3) == "250"))
      return true;
  }
  return false;
}

}  // namespace

std::vector<TranscriptLine> parse_pasted_transcript(std::string_view text, int64_t source_id) {
  std::vector<TranscriptLine> out;
  const std::vector<NumberedLine> lines = split_lines(text);
  PasteState st;
  st.rcvd_is_client = rcvd_carries_hello(lines);
  for (const NumberedLine& l : lines) {
    TranscriptLine line;
    line.ref = LineRef{source_id, l.line_no};
    read_line(out, l.text, st, std::move(line));
  }
  return out;
}

std::vector<PastedDialogue> read_paste(std::string_view text, int64_t source_id) {
  const std::vector<NumberedLine> lines = split_lines(text);
  std::vector<PastedDialogue> out;
  for (const ShapeSpan& run : cut_spans(lines)) {
    std::vector<NumberedLine> part(lines.begin() + run.begin, lines.begin() + run.end);
    for (PastedDialogue& d : read_run(part, run.shape, source_id))
      if (has_substance(d)) out.push_back(std::move(d));
  }
  return out;
}

}  // namespace mailtls
