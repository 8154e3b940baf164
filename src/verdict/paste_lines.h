// The line readers of the pasted shapes other than a bare dialogue: what one line of
// swaks, posttls-finger, `openssl s_client -starttls smtp`, a telnet/nc session, a
// marked or timestamped dialogue, an Exchange protocol log or a Postfix log says.
// transcript_paste.cc groups the lines into dialogues.
//
// Every line is recognised by fixed tokens the tools print (no regexes): each tool
// writes the same few words on every run, and a paste must be read even when a web page
// or a ticket system has mangled its layout.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/events.h"

namespace mailtls {

// The shapes `explain --transcript` reads; their ids (paste_shape_name) are shown in
// --format json and name the texts explain.shape.<id> in locales/.
enum class PasteShape : uint8_t {
  dialogue,        // bare lines: a 3-digit code is the server, anything else the client
  marked,          // S:/C:, <<</>>>, </> markers, maybe after a timestamp or prefix
  esa_debug,       // ESA debug-log lines "<id> Sent: '...'" / "Rcvd: '...'"
  telnet,          // a telnet or nc/ncat session with its prompts
  swaks,           // swaks output ("<-", " ->", "<~", " ~>", "===", "***")
  posttls_finger,  // Postfix posttls-finger output
  openssl,         // openssl s_client -starttls smtp output
  exchange,        // Microsoft Exchange SMTP send/receive protocol log (CSV)
  postfix_log,     // Postfix smtp/smtpd log lines
};
inline constexpr PasteShape kPasteShapes[] = {
    PasteShape::dialogue, PasteShape::marked,  PasteShape::esa_debug,
    PasteShape::telnet,   PasteShape::swaks,   PasteShape::posttls_finger,
    PasteShape::openssl,  PasteShape::exchange, PasteShape::postfix_log};
std::string_view paste_shape_name(PasteShape shape);

// What one line of a tool's output is.
enum class PasteLineKind : uint8_t {
  none,     // not this tool's line
  server,   // a line the SMTP server sent (text: the reply line)
  client,   // a line the SMTP client sent
  result,   // a TLS result or the end of the connection (event, detail)
  context,  // the tool's own line that decides nothing (prompts, certificate dumps)
};

struct ToolLine {
  PasteLineKind kind = PasteLineKind::none;
  std::string text;          // server/client: the SMTP line; result: the detail
  EventType event = EventType::other;  // result: the log fact it stands for
  bool starts_connection = false;      // a new connection begins on this line
  std::string protocol, cipher;        // a TLS success line's protocol and cipher
  std::string peer;                    // the host the tool says it connected to
};

// The shape a line belongs to by its own tokens, or nullopt for a line any dialogue
// could hold ("250 OK"). Shapes of the dialogue family (dialogue, marked, esa_debug,
// telnet) are only told apart inside that family.
std::optional<PasteShape> line_signature(std::string_view line);

// One line of a tool's output. `openssl_no_starttls`: s_client said the server did not
// offer STARTTLS, so its later handshake errors are consequences, not causes.
ToolLine read_swaks_line(std::string_view line);
ToolLine read_posttls_finger_line(std::string_view line);
ToolLine read_openssl_line(std::string_view line, bool openssl_no_starttls);
ToolLine read_telnet_line(std::string_view line);
// curl -v's TLS lines ("* SSL connection using TLSv1.3 / CIPHER", "* SSL certificate
// problem: ..."), which come among its "<"/">" dialogue lines, maybe after a timestamp.
ToolLine read_curl_line(std::string_view line);

// A dialogue line after a timestamp or another prefix and a marker ("S:", "C:", "<<<",
// ">>>", "<", ">", "<-", "->"): the SMTP text after the marker, when that text is an
// SMTP command or reply. Which side spoke is left to the reply code, since the tools
// that print "<<<" and ">>>" disagree on which one is the server.
std::optional<std::string_view> strip_dialogue_marker(std::string_view line);

// A TLS result line as Postfix's smtp/smtpd and posttls-finger word it (the text after
// "posttls-finger: " or "postfix/smtp[pid]: "); kind none when it is not one.
ToolLine read_postfix_tls_text(std::string_view text);

// True for an SMTP command verb (EHLO, STARTTLS, MAIL ...), any case.
bool is_smtp_verb(std::string_view word);

}  // namespace mailtls
