// Stage 5, sessions: rebuilds connections (ICID inbound, DCID outbound) and messages
// from matched events, attaches debug-log dialogue lines as transcripts, and hands
// each connection on when it is finished: its close line, the end of the input, an
// idle time-out (log time), or the bound on connections held in memory.
//
// Keys: a connection is (appliance, direction, conn_id); a message (appliance, mid).
// Two appliances' connections never merge. Debug-log lines (`<id> Sent/Rcvd`) carry no
// direction: it follows from who sends EHLO (or who sends the 3-digit replies).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/model.h"

namespace mailtls {

// Where a matched line came from.
struct LineInfo {
  std::string_view appliance;
  int64_t time = 0;  // UTC seconds, 0 when unknown
  LineRef ref;
  std::string_view text;  // the record's text, kept as evidence
};

class SessionSink {
 public:
  virtual ~SessionSink() = default;
  // Messages get their id when first seen (deliveries name them); connections get theirs
  // only when they are stored, so the store receives them in id order and writes each
  // connection's child rows at the end of its tables. A connection handed on has id 0.
  virtual int64_t new_message_id() = 0;
  virtual void connection_finished(Connection&& c) = 0;
  virtual void message_finished(Message&& m) = 0;
};

struct SessionOptions {
  int64_t idle_timeout = 3600;   // seconds of log time without a line
  size_t max_open = 20000;       // connections (and 4x messages) held in memory at most
};

struct SessionStats {
  int64_t connections = 0;  // finished and handed on
  int64_t messages = 0;
  int64_t timed_out = 0;    // finished by the idle time-out or the memory bound
  size_t peak_open = 0;
};

class Sessions {
 public:
  Sessions(SessionOptions options, SessionSink& sink);
  ~Sessions();

  void on_event(const Event& ev, const LineInfo& line);
  void finish_all();  // end of the input: everything still open is handed on

  const SessionStats& stats() const { return stats_; }
  size_t open_connections() const;

  struct State;  // opaque: the open connections, messages and debug lines held

 private:
  void sweep();
  void sweep_messages(int64_t idle_before);

  std::unique_ptr<State> state_;
  SessionOptions options_;
  SessionSink& sink_;
  SessionStats stats_;
};

}  // namespace mailtls
