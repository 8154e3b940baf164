// The readers of pasted server logs that carry one connection per session: Microsoft
// Exchange SMTP send/receive protocol logs (CSV under a #Fields: header) and Postfix
// smtp/smtpd log lines. Used by read_paste (transcript_paste.h) on the runs of lines
// line_signature gave to these shapes.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "verdict/transcript_paste.h"

namespace mailtls {

// A line of the paste with its 1-based number.
struct NumberedLine {
  std::string_view text;
  int64_t line_no = 0;
};

// Exchange: one dialogue per session-id, in the order the sessions first appear. A Send
// log is outbound, a Receive log inbound (from #Log-type:, else from who sent EHLO).
std::vector<PastedDialogue> read_exchange_log(const std::vector<NumberedLine>& lines,
                                              int64_t source_id);

// Postfix: one dialogue per smtp delivery attempt or smtpd connection (connect ...
// disconnect), keyed by process id.
std::vector<PastedDialogue> read_postfix_log(const std::vector<NumberedLine>& lines,
                                             int64_t source_id);

// Adds one recognised tool line to a dialogue (shared by every reader).
void add_tool_line(PastedDialogue& d, const ToolLine& t, const NumberedLine& line,
                   int64_t source_id);

}  // namespace mailtls
