#include "verdict/paste_lines.h"

#include <array>
#include <cctype>

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

bool has(std::string_view s, std::string_view needle) {
  return s.find(needle) != std::string_view::npos;
}

std::string_view after(std::string_view s, std::string_view prefix) {
  return s.substr(prefix.size());
}

ToolLine make(PasteLineKind kind, std::string_view text = {}) {
  ToolLine t;
  t.kind = kind;
  t.text = std::string(trim(text));
  return t;
}

ToolLine result(EventType event, std::string_view detail) {
  ToolLine t = make(PasteLineKind::result, detail);
  t.event = event;
  return t;
}

// "name TLS connection established to host: TLSv1.3 with cipher NAME (256/256 bits) ...".
ToolLine tls_established(std::string_view text) {
  ToolLine t = result(EventType::dcid_tls_success, text);
  for (std::string_view word : {" established to ", " established from "}) {
    size_t at = text.find(word);
    if (at == std::string_view::npos) continue;
    std::string_view host = text.substr(at + word.size());
    t.peer = std::string(host.substr(0, host.find_first_of("[:")));
  }
  size_t colon = text.find(": ");
  if (colon == std::string_view::npos) return t;
  std::string_view rest = text.substr(colon + 2);
  size_t with = rest.find(" with cipher ");
  if (with == std::string_view::npos) return t;
  t.protocol = std::string(rest.substr(0, with));
  std::string_view cipher = rest.substr(with + 13);
  t.cipher = std::string(cipher.substr(0, cipher.find(' ')));
  return t;
}

// The words of a Postfix TLS result, as its smtp and smtpd clients and posttls-finger
// log them (postfix src/tls/tls_client.c, tls_server.c and smtp_proto.c).
constexpr std::array<std::string_view, 4> kEstablished = {
    "Verified TLS connection established", "Trusted TLS connection established",
    "Untrusted TLS connection established", "Anonymous TLS connection established"};
constexpr std::array<std::string_view, 5> kPostfixFailures = {
    "certificate verification failed for", "SSL_connect error to", "SSL_accept error from",
    "warning: TLS library problem:", "Cannot start TLS:"};

}  // namespace

std::string_view paste_shape_name(PasteShape shape) {
  switch (shape) {
    case PasteShape::dialogue: return "dialogue";
    case PasteShape::marked: return "marked-dialogue";
    case PasteShape::esa_debug: return "esa-debug-log";
    case PasteShape::telnet: return "telnet-nc";
    case PasteShape::swaks: return "swaks";
    case PasteShape::posttls_finger: return "posttls-finger";
    case PasteShape::openssl: return "openssl-s-client";
    case PasteShape::exchange: return "exchange-protocol-log";
    case PasteShape::postfix_log: return "postfix-log";
  }
  return "dialogue";
}

bool is_smtp_verb(std::string_view word) {
  static constexpr std::array<std::string_view, 17> kVerbs = {
      "EHLO", "HELO", "LHLO", "STARTTLS", "MAIL", "RCPT", "DATA", "BDAT", "QUIT",
      "RSET", "NOOP", "AUTH", "VRFY", "EXPN", "HELP", "ETRN", "XCLIENT"};
  if (word.size() > 8) return false;
  std::string up(word);
  for (char& c : up) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (std::string_view v : kVerbs)
    if (up == v) return true;
  return false;
}

ToolLine read_postfix_tls_text(std::string_view text) {
  text = trim(text);
  for (std::string_view e : kEstablished)
    if (starts(text, e)) return tls_established(text);
  for (std::string_view f : kPostfixFailures)
    if (has(text, f)) return result(EventType::dcid_tls_failed, text);
  if (starts(text, "STARTTLS rejected:") || has(text, "refused to start TLS"))
    return result(EventType::dcid_tls_failed, text);
  if (has(text, "TLS is required, but was not offered"))
    return result(EventType::dcid_starttls_unsupported, text);
  return {};
}

// ---- swaks ----

ToolLine read_swaks_line(std::string_view line) {
  std::string_view s = line;
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  if (starts(s, "=== ")) {
    std::string_view rest = after(s, "=== ");
    if (starts(rest, "TLS started with cipher ")) {
      // "TLSv1.3:TLS_AES_256_GCM_SHA384:256"
      std::string_view spec = trim(after(rest, "TLS started with cipher "));
      ToolLine t = result(EventType::dcid_tls_success, s);
      t.protocol = std::string(spec.substr(0, spec.find(':')));
      size_t c = spec.find(':');
      if (c != std::string_view::npos) {
        std::string_view cipher = spec.substr(c + 1);
        t.cipher = std::string(cipher.substr(0, cipher.find(':')));
      }
      return t;
    }
    ToolLine t = make(PasteLineKind::context);
    t.starts_connection = starts(rest, "Trying ");
    if (starts(rest, "Connected to ")) t.peer = std::string(trim(after(rest, "Connected to ")));
    if (!t.peer.empty() && t.peer.back() == '.') t.peer.pop_back();
    return t;
  }
  if (starts(s, "*** ")) {
    std::string_view rest = after(s, "*** ");
    if (starts(rest, "TLS startup failed")) {
      std::string_view why = trim(after(rest, "TLS startup failed"));
      if (why.size() >= 2 && why.front() == '(' && why.back() == ')') why = why.substr(1, why.size() - 2);
      return result(EventType::dcid_tls_failed, why.empty() ? s : why);
    }
    if (starts(rest, "Remote host closed connection unexpectedly"))
      return result(EventType::connection_error, rest);
    return make(PasteLineKind::context);
  }
  // Direction markers: a run of < > - ~ * followed by a space; '<' is what swaks read.
  size_t n = 0;
  while (n < s.size() && (s[n] == '<' || s[n] == '>' || s[n] == '-' || s[n] == '~' || s[n] == '*')) ++n;
  if (n == 0 || n > 3 || (n < s.size() && s[n] != ' ')) return {};
  std::string_view marker = s.substr(0, n);
  bool from_server = has(marker, "<"), from_client = has(marker, ">");
  if (from_server == from_client) return {};
  std::string_view text = s.substr(n);
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  if (text.empty()) return make(PasteLineKind::context);
  return make(from_server ? PasteLineKind::server : PasteLineKind::client, text);
}

// ---- posttls-finger ----

ToolLine read_posttls_finger_line(std::string_view line) {
  std::string_view s = trim(line);
  if (!starts(s, "posttls-finger: ")) return {};
  s = after(s, "posttls-finger: ");
  if (starts(s, "< ")) return make(PasteLineKind::server, after(s, "< "));
  if (starts(s, "> ")) return make(PasteLineKind::client, after(s, "> "));
  ToolLine t = read_postfix_tls_text(s);
  if (t.kind != PasteLineKind::none) return t;
  t = make(PasteLineKind::context);
  if (starts(s, "Connected to ")) {
    t.starts_connection = true;
    std::string_view host = after(s, "Connected to ");
    t.peer = std::string(host.substr(0, host.find('[')));
  } else if (starts(s, "Failed to establish session")) {
    t.starts_connection = true;
  }
  return t;
}

// ---- openssl s_client ----

namespace {

// "New, TLSv1.3, Cipher is TLS_AES_256_GCM_SHA384"; "(NONE)" when the handshake failed.
ToolLine openssl_new_session(std::string_view s) {
  std::string_view rest = after(s, "New, ");
  size_t comma = rest.find(", Cipher is ");
  if (comma == std::string_view::npos) return make(PasteLineKind::context);
  std::string_view cipher = trim(rest.substr(comma + 12));
  if (cipher == "(NONE)") return make(PasteLineKind::context);
  ToolLine t = result(EventType::dcid_tls_success, s);
  t.protocol = std::string(rest.substr(0, comma));
  t.cipher = std::string(cipher);
  return t;
}

// "Verify return code: 18 (self-signed certificate)"; 0 is a verified chain.
ToolLine openssl_verify_code(std::string_view s) {
  std::string_view rest = trim(after(s, "Verify return code: "));
  if (starts(rest, "0 ")) return make(PasteLineKind::context);
  return result(EventType::dcid_tls_failed, s);
}

constexpr std::array<std::string_view, 10> kOpensslTokens = {
    "CONNECTED(",          "Verify return code:", "Didn't find STARTTLS", "depth=",
    "verify error:num=",   "SSL handshake has read", "Can't use SSL_get_servername",
    "CONNECTION ESTABLISHED", "Verification error:", "SSL-Session:"};

}  // namespace

ToolLine read_openssl_line(std::string_view line, bool openssl_no_starttls) {
  std::string_view s = trim(line);
  if (starts(s, "Didn't find STARTTLS"))
    return result(EventType::dcid_starttls_unsupported, s);
  if (starts(s, "New, ")) return openssl_new_session(s);
  if (starts(s, "Verify return code: ") && !openssl_no_starttls) return openssl_verify_code(s);
  if (starts(s, "Verification error: ") && !openssl_no_starttls)
    return result(EventType::dcid_tls_failed, s);
  if (has(s, ":error:") && has(s, "SSL routines") && !openssl_no_starttls)
    return result(EventType::dcid_tls_failed, s.substr(s.find("SSL routines")));
  if (starts(s, "Ciphersuite: ")) {  // -brief: "Protocol version:" came on the line before
    ToolLine t = result(EventType::dcid_tls_success, s);
    t.cipher = std::string(trim(after(s, "Ciphersuite: ")));
    return t;
  }
  ToolLine t = make(PasteLineKind::context);
  t.starts_connection = starts(s, "CONNECTED(");
  return t;
}

// ---- telnet / nc / ncat prompts ----

ToolLine read_telnet_line(std::string_view line) {
  std::string_view s = trim(line);
  if (starts(s, "Connection closed by foreign host") || starts(s, "Ncat: Connection reset") ||
      (starts(s, "Connection to ") && has(s, " closed")))
    return result(EventType::connection_error, s);
  ToolLine t = make(PasteLineKind::context);
  if (starts(s, "Trying ") && s.size() > 10 && s.substr(s.size() - 3) == "...") {
    t.starts_connection = true;
    return t;
  }
  if (starts(s, "Connected to ") && s.back() == '.') {
    t.peer = std::string(trim(s.substr(13, s.size() - 14)));
    return t;
  }
  if (starts(s, "Escape character is ") || starts(s, "Ncat: ")) {
    t.starts_connection = starts(s, "Ncat: Version");
    return t;
  }
  return {};
}

ToolLine read_curl_line(std::string_view line) {
  size_t at = line.find("* SSL connection using ");
  if (at != std::string_view::npos) {
    std::string_view spec = trim(line.substr(at + 23));
    ToolLine t = result(EventType::dcid_tls_success, spec);
    size_t slash = spec.find(" / ");
    t.protocol = std::string(spec.substr(0, slash));
    if (slash != std::string_view::npos) t.cipher = std::string(trim(spec.substr(slash + 3)));
    return t;
  }
  at = line.find("* SSL certificate problem: ");
  if (at != std::string_view::npos) return result(EventType::dcid_tls_failed, line.substr(at + 2));
  return {};
}

// ---- marked dialogue lines ----

namespace {

bool smtp_like(std::string_view text) {
  if (starts_with_reply_code(text)) return true;
  std::string_view word = text.substr(0, text.find_first_of(" :"));
  return is_smtp_verb(word);
}

bool marker_boundary(std::string_view line, size_t at) {
  if (at == 0) return true;
  char p = line[at - 1];
  return p == ' ' || p == '\t' || p == ']' || p == ')' || p == '|';
}

}  // namespace

std::optional<std::string_view> strip_dialogue_marker(std::string_view line) {
  static constexpr std::array<std::string_view, 12> kMarkers = {
      "<<<", ">>>", "<<", ">>", "<-", "->", "<", ">", "S:", "C:", "s:", "c:"};
  line = trim(line);
  if (smtp_like(line)) return std::nullopt;  // a bare line: no marker to strip
  for (size_t at = 0; at < line.size(); ++at) {
    if (!marker_boundary(line, at)) continue;
    for (std::string_view m : kMarkers) {
      if (line.substr(at, m.size()) != m) continue;
      size_t end = at + m.size();
      if (end < line.size() && line[end] != ' ' && line[end] != '\t') continue;
      std::string_view text = trim(line.substr(end));
      if (!text.empty() && smtp_like(text)) return text;
    }
  }
  return std::nullopt;
}

// ---- signatures ----

namespace {

bool is_exchange_line(std::string_view s) {
  if (starts(s, "#Fields: date-time") || starts(s, "#Software: Microsoft Exchange") ||
      starts(s, "#Log-type: SMTP")) return true;
  // date-time,connector-id,session-id,sequence-number,local,remote,event,data,context
  size_t commas = 0, field = 0, start = 0;
  bool quoted = false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '"') quoted = !quoted;
    if (s[i] != ',' || quoted) continue;
    if (++commas == 7) {
      std::string_view event = s.substr(start, i - start);
      return event == "<" || event == ">" || event == "*" || event == "+" || event == "-";
    }
    start = i + 1;
    ++field;
  }
  return false;
}

bool is_postfix_line(std::string_view s) {
  size_t at = s.find("/smtp[");
  if (at == std::string_view::npos) at = s.find("/smtpd[");
  return at != std::string_view::npos && s.substr(0, at).find("postfix") != std::string_view::npos;
}

bool is_swaks_line(std::string_view s) {
  if (starts(s, "=== ") || starts(s, "*** ")) return true;
  for (std::string_view m : {"<-  ", " -> ", "<~  ", " ~> ", "<** ", " **> "})
    if (starts(s, m)) return true;
  return false;
}

}  // namespace

std::optional<PasteShape> line_signature(std::string_view line) {
  if (is_exchange_line(line)) return PasteShape::exchange;
  if (is_postfix_line(line)) return PasteShape::postfix_log;
  std::string_view s = trim(line);
  if (starts(s, "posttls-finger: ")) return PasteShape::posttls_finger;
  if (is_swaks_line(line)) return PasteShape::swaks;
  for (std::string_view tok : kOpensslTokens)
    if (starts(s, tok)) return PasteShape::openssl;
  if (has(s, ":error:") && (has(s, "SSL routines") || has(s, "BIO routines")))
    return PasteShape::openssl;
  if (starts(s, "New, ") && has(s, "Cipher is ")) return PasteShape::openssl;
  if (read_telnet_line(s).kind != PasteLineKind::none) return PasteShape::telnet;
  return std::nullopt;
}

}  // namespace mailtls
