#include "verdict/paste_logs.h"

#include <cctype>
#include <map>
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

bool starts(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

void touch(PastedDialogue& d, int64_t line_no) {
  if (d.first_line == 0) d.first_line = line_no;
  d.last_line = line_no;
}

// ---- Exchange ----

std::vector<std::string> split_csv(std::string_view line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (c == '"' && quoted && i + 1 < line.size() && line[i + 1] == '"') {
      out.back() += '"';
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

struct Columns {
  size_t session = 2, remote = 5, event = 6, data = 7, context = 8;
};

Columns columns_from(std::string_view fields_line) {
  Columns c;
  auto names = split_csv(trim(fields_line.substr(fields_line.find(':') + 1)));
  for (size_t i = 0; i < names.size(); ++i) {
    std::string_view n = trim(names[i]);
    if (n == "session-id") c.session = i;
    if (n == "remote-endpoint") c.remote = i;
    if (n == "event") c.event = i;
    if (n == "data") c.data = i;
    if (n == "context") c.context = i;
  }
  return c;
}

// Exchange logs an EHLO reply as one line, its keywords joined by spaces:
// "250  mx.example.com Hello [192.0.2.1] SIZE 37748736 PIPELINING STARTTLS AUTH NTLM".
// It becomes the multi-line reply the EHLO parser reads; an AUTH (or X-EXPS) list keeps
// its mechanisms, SIZE its number.
std::vector<std::string> expand_ehlo_reply(std::string_view text) {
  std::string_view rest = trim(text.substr(3));
  size_t greeting_end = rest.find(' ');
  size_t hello = rest.find(" Hello [");
  if (hello != std::string_view::npos && rest.find(']', hello) != std::string_view::npos)
    greeting_end = rest.find(']', hello) + 1;
  if (greeting_end == std::string_view::npos) return {std::string(text)};
  std::vector<std::string> lines = {std::string(rest.substr(0, greeting_end))};
  std::string_view words = trim(rest.substr(greeting_end));
  bool params_allowed = false;
  while (!words.empty()) {
    std::string_view w = words.substr(0, words.find(' '));
    words = trim(words.substr(w.size()));
    bool mechanism = w == "NTLM" || w == "LOGIN" || w == "PLAIN" || w == "GSSAPI" ||
                     w == "XOAUTH2" || w == "CRAM-MD5" || w == "DIGEST-MD5";
    bool number = std::isdigit(static_cast<unsigned char>(w.front()));
    if ((mechanism && params_allowed) || number) {
      lines.back() += " " + std::string(w);
      continue;
    }
    lines.emplace_back(w);
    params_allowed = w == "AUTH" || w == "X-EXPS";
  }
  std::vector<std::string> out;
  for (size_t i = 0; i < lines.size(); ++i)
    out.push_back("250" + std::string(i + 1 < lines.size() ? "-" : " ") + lines[i]);
  return out;
}

bool last_client_was_hello(const PastedDialogue& d) {
  for (auto it = d.transcript.rbegin(); it != d.transcript.rend(); ++it) {
    if (it->sender == Sender::server) continue;
    std::string w = first_word_upper(it->text);
    return w == "EHLO" || w == "HELO";
  }
  return false;
}

void add_smtp(PastedDialogue& d, std::string_view text, const NumberedLine& l, int64_t source) {
  text = trim(text);
  if (text.empty()) return;
  ToolLine t;
  t.kind = starts_with_reply_code(text) ? PasteLineKind::server : PasteLineKind::client;
  std::vector<std::string> parts = {std::string(text)};
  if (t.kind == PasteLineKind::server && starts(text, "250 ") && last_client_was_hello(d))
    parts = expand_ehlo_reply(text);
  for (std::string& p : parts) {
    t.text = std::move(p);
    add_tool_line(d, t, l, source);
  }
}

// "TLS protocol SP_PROT_TLS1_2_SERVER negotiation succeeded using bulk encryption
// algorithm CALG_AES_128 ..." -> TLSv1.2, CALG_AES_128.
ToolLine exchange_info(std::string_view info) {
  ToolLine t;
  if (info.find("TLS negotiation failed") != std::string_view::npos) {
    t.kind = PasteLineKind::result;
    t.event = EventType::dcid_tls_failed;
    t.text = std::string(info);
  } else if (info.find("negotiation succeeded") != std::string_view::npos) {
    t.kind = PasteLineKind::result;
    t.event = EventType::dcid_tls_success;
    t.text = std::string(info);
    size_t p = info.find("SP_PROT_TLS");
    if (p != std::string_view::npos && p + 14 <= info.size())
      t.protocol = "TLSv" + std::string(1, info[p + 11]) + "." + std::string(1, info[p + 13]);
    size_t a = info.find("algorithm ");
    if (a != std::string_view::npos) {
      std::string_view alg = info.substr(a + 10);
      t.cipher = std::string(alg.substr(0, alg.find(' ')));
    }
  } else {
    t.kind = PasteLineKind::context;
  }
  return t;
}

bool receive_log(const std::vector<NumberedLine>& lines) {
  for (const auto& l : lines)
    if (starts(trim(l.text), "#Log-type:"))
      return l.text.find("Receive") != std::string_view::npos;
  return false;
}

// ---- Postfix ----

struct PostfixLine {
  std::string_view program;  // "smtp" or "smtpd"
  std::string_view pid;
  std::string_view text;     // after "]: "
};

std::optional<PostfixLine> split_postfix(std::string_view line) {
  for (std::string_view prog : {"smtpd", "smtp"}) {
    std::string tag = "/" + std::string(prog) + "[";
    size_t at = line.find(tag);
    if (at == std::string_view::npos || line.substr(0, at).find("postfix") == std::string_view::npos)
      continue;
    size_t pid_start = at + tag.size();
    size_t close = line.find("]: ", pid_start);
    if (close == std::string_view::npos) return std::nullopt;
    return PostfixLine{prog, line.substr(pid_start, close - pid_start), line.substr(close + 3)};
  }
  return std::nullopt;
}

// "QID: to=<a@b>, relay=..., status=deferred (TLS is required, but ...)": the status word
// and the reason in parentheses.
ToolLine postfix_status(std::string_view text) {
  size_t at = text.find("status=");
  if (at == std::string_view::npos) return {};
  std::string_view rest = text.substr(at + 7);
  std::string_view status = rest.substr(0, rest.find(' '));
  size_t open = rest.find('(');
  std::string_view reason = open == std::string_view::npos ? "" : rest.substr(open + 1);
  if (!reason.empty() && reason.back() == ')') reason.remove_suffix(1);
  ToolLine t = read_postfix_tls_text(reason);
  if (t.kind != PasteLineKind::none) return t;
  t.kind = PasteLineKind::result;
  t.text = std::string(reason);
  t.event = status == "sent" ? EventType::delivery_done
            : status == "bounced" ? EventType::bounced : EventType::delayed;
  return t;
}

ToolLine postfix_text(const PostfixLine& p) {
  if (p.text.find("status=") != std::string_view::npos) return postfix_status(p.text);
  ToolLine t = read_postfix_tls_text(p.text);
  if (t.kind != PasteLineKind::none) return t;
  t.kind = PasteLineKind::context;
  if (starts(p.text, "lost connection")) {
    t.kind = PasteLineKind::result;
    t.event = EventType::icid_lost;
    t.text = std::string(p.text);
  }
  return t;
}

// Inbound results are the same facts, under the inbound event names.
EventType inbound(EventType e) {
  if (e == EventType::dcid_tls_success) return EventType::icid_tls_success;
  if (e == EventType::dcid_tls_failed) return EventType::icid_tls_failed;
  return e;
}

}  // namespace

void add_tool_line(PastedDialogue& d, const ToolLine& t, const NumberedLine& line,
                   int64_t source_id) {
  const LineRef ref{source_id, line.line_no};
  if (!t.protocol.empty()) d.tls_protocol = t.protocol;
  if (!t.cipher.empty()) d.tls_cipher = t.cipher;
  if (!t.peer.empty() && d.peer.empty()) d.peer = t.peer;
  if (t.kind == PasteLineKind::server || t.kind == PasteLineKind::client) {
    TranscriptLine tl;
    tl.sender = t.kind == PasteLineKind::server ? Sender::server : Sender::client;
    tl.text = t.text;
    tl.ref = ref;
    d.transcript.push_back(std::move(tl));
  } else if (t.kind == PasteLineKind::result) {
    LogLine l;
    l.type = t.event;
    l.text = std::string(trim(line.text));
    l.detail = t.text;
    l.ref = ref;
    d.log.push_back(std::move(l));
  }
  if (t.kind != PasteLineKind::none) touch(d, line.line_no);
}

std::vector<PastedDialogue> read_exchange_log(const std::vector<NumberedLine>& lines,
                                              int64_t source_id) {
  std::vector<PastedDialogue> out;
  std::map<std::string, size_t> by_session;
  Columns cols;
  const bool receive = receive_log(lines);
  for (const NumberedLine& l : lines) {
    std::string_view s = trim(l.text);
    if (starts(s, "#Fields:")) cols = columns_from(s);
    if (s.empty() || s.front() == '#') continue;
    std::vector<std::string> f = split_csv(s);
    if (f.size() <= cols.event || f.size() <= cols.session) continue;
    auto [it, fresh] = by_session.try_emplace(f[cols.session], out.size());
    if (fresh) {
      out.emplace_back();
      out.back().shape = PasteShape::exchange;
      out.back().direction = receive ? Direction::inbound : Direction::outbound;
    }
    PastedDialogue& d = out[it->second];
    if (d.peer.empty() && cols.remote < f.size()) {
      const std::string& remote = f[cols.remote];  // "192.0.2.1:25" or "[2001:db8::1]:25"
      d.peer = remote.substr(0, remote.rfind(':'));
    }
    const std::string& event = f[cols.event];
    std::string data = cols.data < f.size() ? f[cols.data] : "";
    std::string context = cols.context < f.size() ? f[cols.context] : "";
    if (event == "<" || event == ">") {
      add_smtp(d, data, l, source_id);
    } else if (event == "*") {
      ToolLine t = exchange_info(trim(data).empty() ? context : data + " " + context);
      if (d.direction == Direction::inbound) t.event = inbound(t.event);
      add_tool_line(d, t, l, source_id);
    } else {
      touch(d, l.line_no);
    }
  }
  return out;
}

std::vector<PastedDialogue> read_postfix_log(const std::vector<NumberedLine>& lines,
                                             int64_t source_id) {
  std::vector<PastedDialogue> out;
  std::map<std::string, size_t> open;  // "smtp[pid]" -> index in out
  for (const NumberedLine& l : lines) {
    auto p = split_postfix(l.text);
    if (!p) continue;
    const std::string key = std::string(p->program) + "[" + std::string(p->pid) + "]";
    const bool server = p->program == "smtpd";
    if (server && starts(p->text, "connect from ")) open.erase(key);
    auto it = open.find(key);
    if (it == open.end()) {
      it = open.emplace(key, out.size()).first;
      out.emplace_back();
      out.back().shape = PasteShape::postfix_log;
      out.back().direction = server ? Direction::inbound : Direction::outbound;
    }
    PastedDialogue& d = out[it->second];
    ToolLine t = postfix_text(*p);
    if (server) t.event = inbound(t.event);
    if (server && starts(p->text, "connect from ")) {
      std::string_view host = p->text.substr(13);
      t.peer = std::string(host.substr(0, host.find('[')));
    }
    add_tool_line(d, t, l, source_id);
    // A delivery's status line ends the smtp client's attempt; smtpd's disconnect its session.
    bool ends = server ? starts(p->text, "disconnect from ")
                       : p->text.find("status=") != std::string_view::npos;
    if (ends) open.erase(key);
  }
  return out;
}

}  // namespace mailtls
