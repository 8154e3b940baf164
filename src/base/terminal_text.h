// Text for a terminal. Log text is written by whoever sent the mail or named the host
// (a reverse-DNS name, a HELO, a subject), and a terminal obeys the control characters
// in what it prints: ESC sequences can set its title and colours, move the cursor or
// hide lines. Every text output of mailtls meant to be read (explain, ingest results and
// messages, check, tables) goes through terminal_text(), which shows each of them as a
// visible escape instead:
// - C0 controls and DEL as \xHH (ESC is \x1b), except a newline where lines are kept
//   (`keep_lines`); a tab is \x09 too, since it would break a table's columns;
// - C1 controls (U+0080..U+009F, which UTF-8 writes as C2 80..C2 9F) as \u0080..\u009f;
// - a byte that is not part of valid UTF-8 as \xHH (a lone 0x9B is CSI to a terminal
//   in an 8-bit mode).
// Files and JSON keep the bytes, escaped by their own format (HTML entities, JSON's \u).
#pragma once

#include <string>
#include <string_view>

namespace mailtls {

std::string terminal_text(std::string_view text, bool keep_lines = false);

}  // namespace mailtls
