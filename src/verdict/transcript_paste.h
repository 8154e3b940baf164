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
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "model/model.h"

namespace mailtls {

std::vector<TranscriptLine> parse_pasted_transcript(std::string_view text, int64_t source_id = 0);

}  // namespace mailtls
