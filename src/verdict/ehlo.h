// The EHLO reply parser: reads the server lines that answer one EHLO (RFC 5321
// §4.1.1.1, ehlo-ok-rsp) into the domain, the greeting and the offered keywords, and
// notices the shapes that break STARTTLS: the keyword placed before the domain line, a
// masking firewall's X's, an EHLO rejected outright.
//
// Plain string parsing (no regexes): reply lines are simple, and the parser must also
// accept the damage people's pasted pages inflict (a period moved to the front, a reply
// code moved to the end of the line).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/model.h"

namespace mailtls {

struct EhloReply {
  int code = 0;                       // reply code of the first line; 0 when no line had one
  std::string domain;                 // from the domain line; empty when none was recognised
  std::string greeting;               // the text after the domain on that line
  int domain_line = -1;               // index of the domain line in the input, -1 when none
  std::vector<EhloKeyword> keywords;  // every keyword line, in order, upper case
  std::vector<int> keyword_lines;     // input index of each entry of `keywords`

  bool rejected = false;  // 500/502/504: the server does not speak ESMTP
  bool starttls = false;  // STARTTLS offered where a client can see it (after the domain)
  int misplaced_starttls_line = -1;  // STARTTLS on a line before the domain line
  int masked_line = -1;              // first keyword of X's (an SMTP-inspecting firewall)

  bool misordered() const { return misplaced_starttls_line >= 0 && !starttls; }
  bool masked() const { return masked_line >= 0; }
};

// Parses the lines of one reply (texts without framing). Lines may be damaged as
// described above; they are repaired first with repair_reply_line.
EhloReply parse_ehlo_reply(const std::vector<std::string_view>& lines);

// A parsed reply line: "250-SIZE 100" -> {250, false, "SIZE 100"}.
struct ReplyLine {
  int code = 0;      // 0 when the line carries no code
  bool last = true;  // "NNN " or "NNN" ends a reply; "NNN-" continues it
  std::string_view text;
};
ReplyLine split_reply_line(std::string_view line);

// Undoes right-to-left rendering damage: ".250-STARTTLS" -> "250-STARTTLS" and
// "mail.example.com ESMTP Service ready 220" -> "220 mail.example.com ESMTP Service ready".
// A line that does not look damaged is returned unchanged.
std::string repair_reply_line(std::string_view line);
// The same without copying a line that needs no repair (most lines): the result views
// `line`, or `storage`, which then holds the repaired text.
std::string_view repair_reply_line(std::string_view line, std::string& storage);

// True when the line starts with a 3-digit reply code (2xx to 5xx).
bool starts_with_reply_code(std::string_view line);

// A keyword a firewall replaced by X's ("XXXXXXXA" for STARTTLS, "XXXX" ...), or a client
// command replaced the same way on the inbound side.
bool is_masked_token(std::string_view token);

// A banner of asterisks ("220 *****"): the firewall hides the server's greeting.
bool is_masked_banner(std::string_view line);

// The name a server gives itself at the start of its greeting or EHLO reply:
// "220 mx.example.com ESMTP" or "250-mx.example.com Hello" -> "mx.example.com". Empty
// for any other line, and when the first word is not a host name (letters, digits, '-'
// and at least one '.', not all digits: "250 2.1.0 Ok" names no host).
std::string server_name_in_reply(std::string_view line);

// The first word of a line, upper-cased ("ehlo mx" -> "EHLO"; "AUTH=LOGIN" -> "AUTH=LOGIN").
std::string first_word_upper(std::string_view text);

}  // namespace mailtls
