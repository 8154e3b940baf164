// The simulation behind mailtls-gen: an event queue of SMTP connections and messages.
//
// Every connection and message is a small state machine. Each step writes a few log lines
// at the step's time and schedules the next step a little later, so hundreds of
// connections are open at once and their lines interleave the way an appliance's do. The
// queue is ordered by (time, sequence), so output is monotonic in time and identical for
// the same seed.
//
// Inbound: New SMTP ICID -> ACCEPT/REJECT/RELAY -> TLS -> messages -> close. Each accepted
// message is scanned a moment later and queued for delivery. Outbound: queued recipients
// wait per destination domain; a DCID opens, negotiates TLS as that domain's profile says,
// delivers up to a few messages, and closes. A fraction of connections also get their SMTP
// dialogue in the injection debug (ICID) or domain debug (DCID) log, under the same number.
#pragma once

#include <cstdint>
#include <deque>
#include <queue>
#include <string>
#include <vector>

#include "gen_out.h"
#include "gen_rng.h"
#include "gen_vocab.h"

namespace gen {

struct Options {
  uint64_t seed = 1;
  uint64_t bytes = uint64_t{100} << 20;
  std::string out_dir;
  std::string serial;  // empty: derived from the seed
  std::string host = "esa1.example.com";
  LogTime start = 0;
  Form form = Form::file;
  double debug_fraction = 0.3;
  size_t domains = 400;
};

struct Totals {
  uint64_t connections_in = 0, connections_out = 0, messages = 0;
};

// An e-mail address without a string: indexes into the word lists and domain tables.
struct Addr {
  enum Kind : uint8_t { person, role };
  Kind kind = person;
  bool internal = false;  // domain indexes Vocab::internal_domains, else Vocab::domains
  uint16_t a = 0, b = 0;  // first/last name, or role name in a
  uint16_t domain = 0;
};

struct Message {
  uint64_t mid = 0, icid = 0;
  Addr from;
  Addr rcpt[3];
  uint8_t nrcpt = 0;
  uint8_t open_rids = 0;  // recipients not yet delivered or bounced
  uint16_t subject = 0;
  uint32_t size = 0;
};

// Recipients of one message bound for one destination.
struct Group {
  uint32_t msg = 0;
  uint32_t dest = 0;  // index into Sim::dests_
  uint8_t rids = 0;   // bit mask of RIDs
  uint8_t attempts = 0;
};

// A delivery destination: one of Vocab::domains, or the organisation's own mail server.
struct Dest {
  const Domain* domain = nullptr;
  std::deque<Group> pending;
  uint8_t active = 0;
};

enum class InOutcome : uint8_t { success, cleartext, handshake, reset, required, masked, bare };

struct InConn {
  uint64_t icid = 0;
  uint32_t ip = 0;
  uint16_t sender_domain = 0;
  uint8_t state = 0, msgs_left = 0;
  InOutcome outcome = InOutcome::cleartext;
  bool relay = false, reject = false, debug = false;
  uint32_t msg = 0;  // the message being received
};

struct OutConn {
  uint64_t dcid = 0;
  uint32_t dest = 0;
  uint8_t state = 0, delivered = 0;
  OutProfile outcome = OutProfile::success;
  bool debug = false;
  Group current;
};

// Takes a free slot of an object pool (reset to T{}), growing the pool when none is free.
template <class T>
uint32_t take_slot(std::vector<T>& pool, std::vector<uint32_t>& free_list) {
  if (free_list.empty()) {
    pool.emplace_back();
    return uint32_t(pool.size() - 1);
  }
  const uint32_t i = free_list.back();
  free_list.pop_back();
  pool[i] = T{};
  return i;
}

class Sim {
 public:
  explicit Sim(const Options& o);
  // Runs until about Options::bytes are written. Returns false on a write error.
  bool run();
  const Totals& totals() const { return totals_; }
  std::vector<const LogWriter*> writers() const { return {&mail_, &domain_dbg_, &inject_dbg_}; }

 private:
  enum class Kind : uint8_t { arrive, inbound, scan, outbound, retry, system };
  struct Event {
    int64_t at_ms;
    uint64_t seq;
    uint32_t idx;
    Kind kind;
    bool operator>(const Event& e) const {
      return at_ms != e.at_ms ? at_ms > e.at_ms : seq > e.seq;
    }
  };

  void schedule(int64_t delay_ms, Kind kind, uint32_t idx);
  LogTime now() const { return opt_.start + now_ms_ / 1000; }
  bool budget_left() const;
  void dispatch(const Event& e);
  void on_system();

  // Common pieces (gen_sim.cc).
  void addr(LogWriter& w, const Addr& a);
  Addr random_person(bool internal);
  Addr external_sender(uint16_t domain);
  void token(LogWriter& w, size_t len);
  uint32_t new_message(uint64_t icid, const Addr& from);
  void write_subject(LogWriter& w, uint64_t mid, uint16_t subject);
  void write_message_id(LogWriter& w, const Message& m);
  void free_message(uint32_t idx);
  void tls_success_fields(LogWriter& w);

  // Inbound connections and messages (gen_inbound.cc).
  void on_arrive();
  void on_inbound(uint32_t idx);
  void in_open(InConn& c);
  void in_tls(InConn& c);
  void in_tls_debug(const InConn& c);
  void in_envelope(InConn& c);
  void in_data(InConn& c);
  void in_close(InConn& c, uint32_t idx);
  void on_scan(uint32_t msg);
  void scan_verdicts(const Message& m, bool relay);
  void bcc_copy(const Message& m);
  void queue_for_delivery(uint32_t msg, bool quarantine);
  uint32_t split_message(uint32_t msg);
  LogWriter& in_dbg(const InConn& c, const char* dir);

  // Outbound connections (gen_outbound.cc).
  void push_group(uint32_t dest, Group g);
  void open_out(uint32_t dest, int64_t delay_ms);
  void on_outbound(uint32_t idx);
  void out_open(OutConn& c);
  bool out_tls(OutConn& c);
  void out_ehlo_debug(const OutConn& c, const Dest& d);
  void out_ehlo_reply(const OutConn& c, const Domain& d, bool after_tls);
  bool out_next(OutConn& c);
  void out_finish(OutConn& c);
  void out_close(OutConn& c, uint32_t idx, bool logged_close);
  void defer_all(OutConn& c, const char* why, size_t max_groups);
  void defer_group(uint64_t dcid, const Group& g, const char* status, const char* text);
  void bounce_group(uint64_t dcid, const Group& g, bool expired);
  void finish_rids(const Group& g);
  void rid_list(LogWriter& w, uint8_t mask);
  void on_retry(uint32_t idx);
  LogWriter& out_dbg(const OutConn& c, const char* dir);

  Options opt_;
  Rng rng_;
  Vocab vocab_;
  LogWriter mail_, domain_dbg_, inject_dbg_;
  Totals totals_;
  std::priority_queue<Event, std::vector<Event>, std::greater<Event>> queue_;
  int64_t now_ms_ = 0;
  uint64_t seq_ = 0;
  uint64_t next_icid_, next_mid_, next_dcid_;
  bool stopping_ = false;

  std::vector<InConn> in_;
  std::vector<uint32_t> in_free_;
  std::vector<OutConn> out_;
  std::vector<uint32_t> out_free_;
  std::vector<Message> msgs_;
  std::vector<uint32_t> msgs_free_;
  std::vector<Dest> dests_;     // Vocab::domains, then internal_domain_, then quarantine_
  std::vector<Group> retries_;  // deferred groups waiting for their retry
  std::vector<uint32_t> retries_free_;
  Domain internal_domain_, quarantine_;
  uint32_t internal_dest() const { return uint32_t(dests_.size() - 2); }
  uint32_t quarantine_dest() const { return uint32_t(dests_.size() - 1); }
};

}  // namespace gen
