// Builders for hand-made Connections in the classifier tests: real lines, short code.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/model.h"

namespace mailtls::test {

// "C: EHLO x" is the client's line, "S: 250-x" the server's; line numbers from 1.
inline std::vector<TranscriptLine> dialogue(std::vector<std::string_view> lines) {
  std::vector<TranscriptLine> out;
  int64_t n = 0;
  for (std::string_view l : lines) {
    TranscriptLine t;
    t.sender = l.substr(0, 2) == "S:" ? Sender::server : Sender::client;
    t.text = std::string(l.substr(3));
    t.ref = {2, ++n};
    out.push_back(t);
  }
  return out;
}

inline LogLine log(EventType type, std::string text, std::string detail = "", int64_t line = 1) {
  return LogLine{type, std::move(text), std::move(detail), {1, line}, 0};
}

inline Connection outbound(std::vector<LogLine> log_lines = {},
                           std::vector<TranscriptLine> transcript = {}) {
  Connection c;
  c.direction = Direction::outbound;
  c.conn_id = 5165207;
  c.has_open = true;
  c.log = std::move(log_lines);
  c.transcript = std::move(transcript);
  return c;
}

inline Connection inbound(std::vector<LogLine> log_lines = {},
                          std::vector<TranscriptLine> transcript = {}) {
  Connection c = outbound(std::move(log_lines), std::move(transcript));
  c.direction = Direction::inbound;
  return c;
}

inline bool has_finding(const Verdict& v, std::string_view code) {
  for (const auto& f : v.findings)
    if (finding_name(f.code) == code) return true;
  return false;
}

inline bool has_role(const Verdict& v, std::string_view role) {
  for (const auto& e : v.evidence)
    if (evidence_role_name(e.role) == role) return true;
  return false;
}

inline bool cites(const Verdict& v, std::string_view ref) {
  for (const auto& r : v.references)
    if (r == ref) return true;
  return false;
}

}  // namespace mailtls::test
