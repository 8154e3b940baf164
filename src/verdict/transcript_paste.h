// Reads an SMTP dialogue that a person pasted (from a ticket, a support page, a terminal)
// into transcript lines the classifier can walk, so `mailtls explain --transcript FILE`
// judges a conversation the logs never held.
//
// Accepted shapes, line by line (blank lines are skipped):
//   - bare dialogue: a line that starts with a 3-digit reply code is the server's,
//     any other line the client's ("220 mx ESMTP", "EHLO me", "250-SIZE 100"); an
//     RFC-style "S: " / "C: " prefix is dropped;
//   - ESA debug-log lines "... <id> Sent: '...'" / "... <id> Rcvd: '...'" (and the
//     translated words seen in localized pages: envoyé, enviado, rcvds, Recibido,
//     Gesendet, Empfangen, Inviato, Ricevuto). In a domain debug log the appliance is the
//     client, so Sent is the client and Rcvd the server; when a Rcvd line carries
//     EHLO/HELO the log is an injection debug log and the roles swap.
// Repairs: surrounding quotes (' " « » „ “ ”), page annotations after "<---" (and their
// wrapped continuation such as ".per RFC"), a period moved to the front, a reply code
// moved to the end; a code-less line inside an unfinished multi-line reply belongs to
// that reply (it is the server's final line, whose code the page lost).
//
// LineRef.line_no is the 1-based line number in the pasted text; source_id as given.
//
// read_paste reads every shape of paste_lines.h: the text is cut into runs of one
// tool's output (a line of swaks, openssl, posttls-finger, Exchange or Postfix names
// its tool; lines any dialogue could hold join the run they follow), each run into its
// connections, in the order they appear. A tool's TLS result lines (a handshake error,
// a certificate verification failure, "TLS started with cipher ...") become log lines,
// so the classifier weighs them as it weighs an appliance's TLS lines.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/model.h"
#include "verdict/paste_lines.h"

namespace mailtls {

// The bare, marked and debug-log shapes only, as one dialogue (kept for callers that
// need no more: tests, the fuzz target's first pass).
std::vector<TranscriptLine> parse_pasted_transcript(std::string_view text, int64_t source_id = 0);

// One connection found in a paste.
struct PastedDialogue {
  PasteShape shape = PasteShape::dialogue;
  Direction direction = Direction::outbound;  // inbound: the logging host was the server
  std::vector<TranscriptLine> transcript;
  std::vector<LogLine> log;  // the tool's TLS results and end of connection, as log facts
  std::string tls_protocol, tls_cipher;
  std::string peer;  // the host the tool connected to, when it says so
  int64_t first_line = 0, last_line = 0;  // 1-based, in the pasted text
};

// Every connection of the paste that shows an SMTP dialogue or a TLS result, in order;
// empty when the text holds none (a plain e-mail, a stack trace).
std::vector<PastedDialogue> read_paste(std::string_view text, int64_t source_id = 0);

}  // namespace mailtls
