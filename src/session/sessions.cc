#include "session/sessions.h"

#include "parse/cef_fields.h"

#include <algorithm>
#include <charconv>

namespace mailtls {
namespace {

// The number `s` spells in decimal (an optional '-', then digits only), or `fallback`
// when it spells none or one out of range: std::from_chars's rule, in a loop a few times
// cheaper, as every event reads one to three numbers.
int64_t to_int64(std::string_view s, int64_t fallback = -1) {
  const bool negative = !s.empty() && s.front() == '-';
  if (negative) s.remove_prefix(1);
  if (s.empty()) return fallback;
  const uint64_t limit = negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
  uint64_t v = 0;
  for (char c : s) {
    const unsigned digit = static_cast<unsigned char>(c) - unsigned{'0'};
    if (digit > 9 || v > (limit - digit) / 10) return fallback;
    v = v * 10 + digit;
  }
  return negative ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
}

// "<user@Example.COM>" -> "example.com"; "" when there is no '@'.
std::string domain_of(std::string_view address) {
  const size_t at = address.rfind('@');
  if (at == std::string_view::npos) return {};
  std::string_view d = address.substr(at + 1);
  while (!d.empty() && (d.back() == '>' || d.back() == ' ' || d.back() == '.')) d.remove_suffix(1);
  std::string out(d);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// "[0, 1, 2]" or "0" -> {0, 1, 2}
std::vector<int> parse_rids(std::string_view text) {
  std::vector<int> rids;
  int64_t value = -1;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      value = (value < 0 ? 0 : value * 10) + (c - '0');
    } else if (value >= 0) {
      rids.push_back(static_cast<int>(value));
      value = -1;
    }
  }
  if (value >= 0) rids.push_back(static_cast<int>(value));
  return rids;
}

bool starts_with_code(std::string_view text) {
  return text.size() >= 3 && std::isdigit(static_cast<unsigned char>(text[0])) &&
         std::isdigit(static_cast<unsigned char>(text[1])) &&
         std::isdigit(static_cast<unsigned char>(text[2]));
}

bool is_client_command(std::string_view text) {
  static constexpr std::string_view kVerbs[] = {"EHLO", "HELO", "MAIL", "RCPT", "STARTTLS",
                                                "DATA", "QUIT", "RSET", "AUTH", "BDAT"};
  for (auto verb : kVerbs) {
    if (text.size() < verb.size()) continue;
    bool same = true;
    for (size_t i = 0; i < verb.size() && same; ++i)
      same = (text[i] & ~0x20) == verb[i];
    if (same && (text.size() == verb.size() || text[verb.size()] == ' ' || text[verb.size()] == ':'))
      return true;
  }
  return false;
}

struct ConnKey {
  uint32_t appliance;
  Direction direction;
  int64_t id;
  bool operator==(const ConnKey&) const = default;
};
struct ConnKeyHash {
  size_t operator()(const ConnKey& k) const {
    return std::hash<int64_t>()(k.id) ^ (static_cast<size_t>(k.appliance) << 1 ^
                                         static_cast<size_t>(k.direction)) * 0x9e3779b97f4a7c15ull;
  }
};
struct MsgKey {
  uint32_t appliance;
  int64_t mid;
  bool operator==(const MsgKey&) const = default;
};
struct MsgKeyHash {
  size_t operator()(const MsgKey& k) const {
    return std::hash<int64_t>()(k.mid) ^ static_cast<size_t>(k.appliance) * 0x9e3779b97f4a7c15ull;
  }
};

struct MessageState {
  Message message;
  int64_t last_seen = 0;
  int64_t last_dcid = -1;  // the connection that last carried it
  // A recipient of it was refused by the recipient access table: its "ready" line (the
  // data was accepted for the other recipients) then goes to its connection too, the
  // evidence that mail crossed a connection with relaying denied (verdict/classifier.cc).
  bool recipient_refused = false;
};

// Debug-log lines of one (appliance, id) whose direction is not known yet.
struct PendingDebug {
  std::vector<std::pair<bool, TranscriptLine>> lines;  // (sent by the appliance, line)
  std::string appliance;
  int64_t last_seen = 0;
};

}  // namespace

struct Sessions::State {
  std::vector<std::string> appliances;
  std::unordered_map<std::string, uint32_t> appliance_index;
  uint32_t last_appliance = 0;
  bool has_last_appliance = false;

  std::unordered_map<ConnKey, Connection, ConnKeyHash> open;
  std::unordered_map<MsgKey, MessageState, MsgKeyHash> messages;
  std::unordered_map<ConnKey, PendingDebug, ConnKeyHash> pending_debug;  // direction unused
  std::unordered_map<ConnKey, Direction, ConnKeyHash> debug_direction;  // direction unused

  int64_t now = 0;           // the latest log time seen
  int64_t last_sweep = 0;
  uint64_t events_since_sweep = 0;

  uint32_t appliance_of(std::string_view name) {
    if (has_last_appliance && appliances[last_appliance] == name) return last_appliance;
    auto it = appliance_index.find(std::string(name));
    if (it == appliance_index.end()) {
      it = appliance_index.emplace(std::string(name), static_cast<uint32_t>(appliances.size())).first;
      appliances.emplace_back(name);
    }
    last_appliance = it->second;
    has_last_appliance = true;
    return it->second;
  }
};

Sessions::Sessions(SessionOptions options, SessionSink& sink)
    : state_(std::make_unique<State>()), options_(options), sink_(sink) {}

Sessions::~Sessions() = default;

size_t Sessions::open_connections() const { return state_->open.size(); }

namespace {

// Room reserved for a connection's lines at its first one, so the vectors are not grown
// (and moved) several times: an ESA connection has 4-10 evidence lines, and a dialogue
// from a debug log 15-40 lines.
constexpr size_t kLogLinesReserved = 8;
constexpr size_t kTranscriptLinesReserved = 32;

// One event applied to the sessions: the per-event work, kept out of the class so each
// step stays short.
class EventStep {
 public:
  EventStep(Sessions::State& st, SessionSink& sink, SessionStats& stats, const Event& ev,
          const LineInfo& line, uint32_t appliance)
      : st_(st), sink_(sink), stats_(stats), ev_(ev), line_(line), app_(appliance) {}

  void run();

  static void finish(Sessions::State& st, SessionSink& sink, SessionStats& stats,
                     std::unordered_map<ConnKey, Connection, ConnKeyHash>::iterator it) {
    Connection c = std::move(it->second);
    st.open.erase(it);
    ++stats.connections;
    sink.connection_finished(std::move(c));
  }

  static void finish_message(Sessions::State& st, SessionSink& sink, SessionStats& stats,
                             std::unordered_map<MsgKey, MessageState, MsgKeyHash>::iterator it) {
    Message m = std::move(it->second.message);
    st.messages.erase(it);
    ++stats.messages;
    sink.message_finished(std::move(m));
  }

 private:
  std::string_view f(int slot) const { return ev_.field(slot); }
  int64_t id() const { return to_int64(f(slot::id)); }
  // The ICID or DCID of the line when it names a connection; -1 otherwise. The appliance
  // numbers connections from 1: `ICID 0` marks mail it generated itself (and TCPREFUSE,
  // refused before a connection existed), `DCID 0` a delivery that never connected.
  int64_t connection_id() const {
    const int64_t n = id();
    return n > 0 ? n : -1;
  }

  Connection& connection(Direction dir, int64_t conn_id) {
    ConnKey key{app_, dir, conn_id};
    auto it = st_.open.find(key);
    if (it == st_.open.end()) {
      Connection c;
      c.appliance = st_.appliances[app_];
      c.direction = dir;
      c.conn_id = conn_id;
      it = st_.open.emplace(key, std::move(c)).first;
    }
    touch(it->second);
    return it->second;
  }

  void touch(Connection& c) {
    if (line_.time) {
      c.last_seen = std::max(c.last_seen, line_.time);
      if (c.started_at == 0 && !c.has_open) c.started_at = line_.time;
    }
  }

  MessageState& message(int64_t mid) {
    auto it = st_.messages.find(MsgKey{app_, mid});
    if (it == st_.messages.end()) {
      MessageState m;
      m.message.id = sink_.new_message_id();
      m.message.appliance = st_.appliances[app_];
      m.message.mid = mid;
      it = st_.messages.emplace(MsgKey{app_, mid}, std::move(m)).first;
    }
    if (line_.time) it->second.last_seen = std::max(it->second.last_seen, line_.time);
    return it->second;
  }

  void add_log(Connection& c, std::string_view detail = {}) {
    if (c.log.empty()) c.log.reserve(kLogLinesReserved);
    c.log.push_back(LogLine{ev_.type, std::string(line_.text), std::string(detail), line_.ref, line_.time});
  }

  // The summary's inbound message count: one per MID started on an ICID. A start line is
  // inside its session; when the ICID is not held here (its opening was in a file read
  // by an earlier run, or the time-out handed it on), the line starts a piece of that
  // connection, which the store joins to the rest: the count, and the verdict that mail
  // crossed the connection, do not depend on where an input was cut. ICID 0 is none.
  void count_received(int64_t icid) {
    if (icid <= 0) return;
    auto it = st_.open.find(ConnKey{app_, Direction::inbound, icid});
    if (it != st_.open.end()) {
      ++it->second.messages_received;
      return;
    }
    Connection& c = connection(Direction::inbound, icid);
    add_log(c);
    ++c.messages_received;
  }

  void open_connection(Direction dir);
  void close_connection(Direction dir);
  void tls_line(Direction dir);
  void message_event();
  void delivery(bool done);
  void bounce(DeliveryResult result);
  void connection_error();
  void debug_line(bool sent_by_appliance);
  void note();
  void recipient_refused();
  void consolidated_event();
  void consolidated_peers(std::string_view ext);
  void consolidated_tls(Direction dir, std::string_view conn_id, std::string_view status,
                        std::string_view protocol, std::string_view cipher);
  void dane_line(std::string_view dcid, std::string_view status, std::string_view host);
  void add_log_as(Connection& c, EventType type, std::string_view detail);
  void attach_debug(Direction dir, int64_t conn_id, bool sent_by_appliance, TranscriptLine line);

  Sessions::State& st_;
  SessionSink& sink_;
  SessionStats& stats_;
  const Event& ev_;
  const LineInfo& line_;
  uint32_t app_;
};

void EventStep::run() {
  switch (ev_.type) {
    case EventType::icid_new: return open_connection(Direction::inbound);
    case EventType::dcid_new: return open_connection(Direction::outbound);
    case EventType::icid_close: return close_connection(Direction::inbound);
    case EventType::dcid_close: return close_connection(Direction::outbound);
    case EventType::icid_policy:
    case EventType::icid_tls_success:
    case EventType::icid_tls_failed:
    case EventType::icid_tls_required:
    case EventType::icid_lost: return tls_line(Direction::inbound);
    case EventType::dcid_tls_success:
    case EventType::dcid_tls_failed:
    case EventType::dcid_starttls_unsupported:
    case EventType::dcid_tls_required_failed: return tls_line(Direction::outbound);
    case EventType::delivery_start: return delivery(false);
    case EventType::delivery_done: return delivery(true);
    case EventType::delayed: return bounce(DeliveryResult::delayed);
    case EventType::bounced: return bounce(DeliveryResult::bounced);
    case EventType::connection_error: return connection_error();
    case EventType::debug_sent: return debug_line(true);
    case EventType::debug_rcvd: return debug_line(false);
    case EventType::mid_start:
    case EventType::mid_from:
    case EventType::mid_to:
    case EventType::mid_message_id:
    case EventType::mid_subject:
    case EventType::mid_ready:
    case EventType::mid_link:
    case EventType::mid_response:
    case EventType::mid_finished: return message_event();
    case EventType::note: return note();
    case EventType::icid_rcpt_rejected: return recipient_refused();
    case EventType::consolidated: return consolidated_event();
    case EventType::dane: return dane_line(f(slot::id), f(slot::dane_status), f(slot::dane_host));
    default: return;
  }
}

void EventStep::open_connection(Direction dir) {
  const int64_t conn_id = connection_id();
  if (conn_id < 0) return;
  auto it = st_.open.find(ConnKey{app_, dir, conn_id});
  // The same number opened again (appliance restart, or a lost close): the old one ends.
  if (it != st_.open.end() && it->second.has_open) finish(st_, sink_, stats_, it);
  Connection& c = connection(dir, conn_id);
  c.has_open = true;
  if (line_.time) c.started_at = line_.time;
  c.peer_ip = std::string(f(slot::ip));
  c.local_ip = std::string(f(slot::local_ip));
  if (dir == Direction::inbound) {
    std::string_view host = f(slot::host);
    if (host != "unknown") c.peer_host = std::string(host);
  } else if (!f(slot::new_domain).empty()) {
    c.domain = std::string(f(slot::new_domain));
  }
  add_log(c);
}

void EventStep::close_connection(Direction dir) {
  const int64_t conn_id = connection_id();
  if (conn_id < 0) return;
  Connection& c = connection(dir, conn_id);
  c.has_close = true;
  c.ended_at = line_.time;
  add_log(c);
  finish(st_, sink_, stats_, st_.open.find(ConnKey{app_, dir, conn_id}));
}

void EventStep::tls_line(Direction dir) {
  const int64_t conn_id = connection_id();
  if (conn_id < 0) return;
  Connection& c = connection(dir, conn_id);
  std::string_view detail;
  switch (ev_.type) {
    case EventType::icid_tls_success:
    case EventType::dcid_tls_success:
      // Old releases log a bare "TLS success"; one after a full line adds nothing and
      // must not erase the protocol and cipher already known.
      if (!f(slot::protocol).empty()) c.tls_protocol = std::string(f(slot::protocol));
      if (!f(slot::cipher).empty()) c.tls_cipher = std::string(f(slot::cipher));
      if (dir == Direction::outbound && c.domain.empty()) c.domain = std::string(f(slot::tls_domain));
      break;
    case EventType::icid_tls_failed:
    case EventType::dcid_tls_failed: detail = f(slot::reason); break;
    case EventType::icid_policy: detail = f(slot::action); break;
    case EventType::dcid_tls_required_failed:
      if (c.peer_ip.empty()) c.peer_ip = std::string(f(slot::ip));
      break;
    default: break;
  }
  add_log(c, detail);
}

void EventStep::message_event() {
  const int64_t mid = id();
  if (mid < 0) return;
  MessageState& ms = message(mid);
  Message& m = ms.message;
  switch (ev_.type) {
    case EventType::mid_start:
    case EventType::mid_from: {
      const int64_t icid = to_int64(f(slot::icid));
      if (icid >= 0) m.icid = icid;
      if (icid >= 0 && ev_.type == EventType::mid_start) count_received(icid);
      if (ev_.type == EventType::mid_from) m.mail_from = std::string(f(slot::from_address));
      if (icid > 0 && ev_.type == EventType::mid_from) {
        auto it = st_.open.find(ConnKey{app_, Direction::inbound, icid});
        if (it != st_.open.end() && it->second.domain.empty())
          it->second.domain = domain_of(m.mail_from);
      }
      break;
    }
    case EventType::mid_to: {
      const int64_t icid = to_int64(f(slot::icid));
      if (icid >= 0 && m.icid < 0) m.icid = icid;
      const int64_t rid = to_int64(f(slot::rid), static_cast<int64_t>(m.recipients.size()));
      m.recipients.push_back({static_cast<int>(rid), std::string(f(slot::to_address))});
      break;
    }
    case EventType::mid_message_id: m.message_id = std::string(f(slot::value)); break;
    case EventType::mid_subject: m.subject = std::string(f(slot::value)); break;
    case EventType::mid_ready:
      if (ms.recipient_refused && m.icid > 0) {
        auto it = st_.open.find(ConnKey{app_, Direction::inbound, m.icid});
        if (it != st_.open.end()) add_log(it->second, std::to_string(mid));
      }
      m.bytes = to_int64(f(slot::bytes));
      if (m.mail_from.empty()) m.mail_from = std::string(f(slot::ready_address));
      break;
    case EventType::mid_link: {
      const int64_t mid2 = to_int64(f(slot::mid2));
      if (mid2 < 0 || mid2 == mid) break;
      Message copy = m;  // `message()` may rehash and move `m`
      Message& newer = message(mid2).message;
      if (newer.mail_from.empty()) newer.mail_from = copy.mail_from;
      if (newer.subject.empty()) newer.subject = copy.subject;
      if (newer.message_id.empty()) newer.message_id = copy.message_id;
      if (newer.icid < 0) newer.icid = copy.icid;
      if (newer.recipients.empty()) newer.recipients = copy.recipients;
      break;
    }
    case EventType::mid_response: {
      auto it = st_.open.find(ConnKey{app_, Direction::outbound, ms.last_dcid});
      if (it == st_.open.end()) break;
      for (int rid : parse_rids(f(slot::response_rids)))
        for (auto& d : it->second.deliveries)
          if (d.mid == mid && d.rid == rid) d.response = std::string(f(slot::response));
      break;
    }
    case EventType::mid_finished:
      finish_message(st_, sink_, stats_, st_.messages.find(MsgKey{app_, mid}));
      break;
    default: break;
  }
}

void EventStep::delivery(bool done) {
  const int64_t dcid = connection_id();
  const int64_t mid = to_int64(f(slot::mid));
  if (dcid < 0 || mid < 0) return;
  MessageState& ms = message(mid);
  ms.last_dcid = dcid;
  const Message& m = ms.message;
  Connection& c = connection(Direction::outbound, dcid);
  for (int rid : parse_rids(f(slot::rids))) {
    auto d = std::find_if(c.deliveries.begin(), c.deliveries.end(),
                          [&](const Delivery& x) { return x.mid == mid && x.rid == rid; });
    if (d == c.deliveries.end()) {
      c.deliveries.push_back(Delivery{m.id, mid, rid, DeliveryResult::started, {}});
      d = c.deliveries.end() - 1;
    }
    if (done) d->result = DeliveryResult::delivered;
    if (c.domain.empty())
      for (const auto& r : m.recipients)
        if (r.rid == rid) c.domain = domain_of(r.address);
  }
  if (done) add_log(c);
}

void EventStep::bounce(DeliveryResult result) {
  const int64_t mid = to_int64(f(slot::bounce_mid));
  if (mid < 0) return;
  MessageState& ms = message(mid);
  int64_t dcid = to_int64(f(slot::id));
  if (dcid <= 0) dcid = ms.last_dcid;  // bounce-log forms name no connection
  if (dcid <= 0) return;
  const int64_t message_id = ms.message.id;
  const bool was_open = st_.open.count(ConnKey{app_, Direction::outbound, dcid}) > 0;
  Connection& c = connection(Direction::outbound, dcid);
  const int rid = static_cast<int>(std::max<int64_t>(0, to_int64(f(slot::bounce_rid), 0)));
  auto d = std::find_if(c.deliveries.begin(), c.deliveries.end(),
                        [&](const Delivery& x) { return x.mid == mid && x.rid == rid; });
  if (d == c.deliveries.end()) {
    c.deliveries.push_back(Delivery{message_id, mid, rid, result, {}});
    d = c.deliveries.end() - 1;
  }
  d->result = result;
  d->response = std::string(f(slot::detail));
  if (c.domain.empty()) c.domain = domain_of(f(slot::bounce_to));
  add_log(c, f(slot::detail));
  // Logged after its connection closed: a piece of its own, joined to it by the store,
  // not held open where a later line of the same number could wrongly join it.
  if (!was_open) finish(st_, sink_, stats_, st_.open.find(ConnKey{app_, Direction::outbound, dcid}));
}

void EventStep::connection_error() {
  const int64_t dcid = connection_id();
  if (dcid < 0) return;
  Connection& c = connection(Direction::outbound, dcid);
  if (!f(slot::error_domain).empty()) c.domain = std::string(f(slot::error_domain));
  if (c.peer_ip.empty()) c.peer_ip = std::string(f(slot::error_ip));
  add_log(c, f(slot::error_reason));
}

// A line about a connection or a message with no state of its own: kept in the timeline
// of what it names. ICID 0 / DCID 0 name no connection (the appliance's own doing) and an
// RCID (a connection to the spam quarantine) or a bare RID names none that is tracked:
// such lines stay recognised, attached to nothing.
void EventStep::note() {
  const int64_t number = id();
  const std::string_view ref = f(slot::ref);
  if (number <= 0 && ref != "MID") return;
  if (ref == "ICID" || ref == "DCID") {
    Connection& c = connection(ref == "ICID" ? Direction::inbound : Direction::outbound, number);
    add_log(c, f(slot::family));
    return;
  }
  if (ref != "MID" || number < 0) return;
  Message& m = message(number).message;
  m.events.push_back(LogLine{ev_.type, std::string(line_.text), std::string(f(slot::family)), line_.ref, line_.time});
}

// A recipient the recipient access table refused: a line of the inbound connection (its
// detail the MID), and the message remembers it so that its "ready" line, if the data was
// accepted for other recipients, joins the connection too.
void EventStep::recipient_refused() {
  const int64_t icid = connection_id();
  if (icid < 0) return;
  const int64_t mid = to_int64(f(slot::mid));
  add_log(connection(Direction::inbound, icid), mid >= 0 ? std::to_string(mid) : std::string());
  if (mid >= 0) message(mid).recipient_refused = true;
}

void EventStep::add_log_as(Connection& c, EventType type, std::string_view detail) {
  if (c.log.empty()) c.log.reserve(kLogLinesReserved);
  c.log.push_back(LogLine{type, std::string(line_.text), std::string(detail), line_.ref, line_.time});
}

// A consolidated event (CEF) reports, per message, the TLS of the connection that brought
// it in (ESAICID, ESATLSIn*) and of the one that delivered it (ESADCID, ESATLSOut*), and
// the DANE outcome of the delivery. Each becomes a line of that connection, read as the
// mail_logs TLS line it stands for, so an appliance that sends only consolidated events
// still gets a verdict per connection, from one log line as any other.
void EventStep::consolidated_event() {
  const std::string_view ext = f(slot::extension);
  consolidated_tls(Direction::inbound, cef_field(ext, "ESAICID"), cef_field(ext, "ESATLSInConnStatus"),
                   cef_field(ext, "ESATLSInProtocol"), cef_field(ext, "ESATLSInCipher"));
  const std::string_view dcid = cef_field(ext, "ESADCID");
  consolidated_tls(Direction::outbound, dcid, cef_field(ext, "ESATLSOutConnStatus"),
                   cef_field(ext, "ESATLSOutProtocol"), cef_field(ext, "ESATLSOutCipher"));
  const std::string_view dane = cef_field(ext, "ESADaneStatus");
  if (!dane.empty()) dane_line(dcid, dane, cef_field(ext, "ESADaneHost"));
  consolidated_peers(ext);
}

// What the event says of the peers: the sending host of the inbound connection, and the
// recipient's domain as the destination of the outbound one (as a delivery line gives it).
void EventStep::consolidated_peers(std::string_view ext) {
  if (const int64_t icid = to_int64(cef_field(ext, "ESAICID")); icid > 0) {
    auto it = st_.open.find(ConnKey{app_, Direction::inbound, icid});
    if (it != st_.open.end()) {
      Connection& c = it->second;
      // AsyncOS 14 writes sourceAddress / sourceHostName, 15 the CEF names src / shost.
      std::string_view ip = cef_field(ext, "sourceAddress");
      if (ip.empty()) ip = cef_field(ext, "src");
      if (c.peer_ip.empty()) c.peer_ip = std::string(ip);
      std::string_view host = cef_field(ext, "sourceHostName");
      if (host.empty()) host = cef_field(ext, "shost");
      if (c.peer_host.empty() && host != "unknown") c.peer_host = std::string(host);
    }
  }
  if (const int64_t dcid = to_int64(cef_field(ext, "ESADCID")); dcid > 0) {
    auto it = st_.open.find(ConnKey{app_, Direction::outbound, dcid});
    if (it != st_.open.end() && it->second.domain.empty()) {
      const std::string_view to = cef_field(ext, "duser");
      it->second.domain = domain_of(to.substr(0, to.find_first_of(" ,;")));
    }
  }
}

bool same_word(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

void EventStep::consolidated_tls(Direction dir, std::string_view conn_id, std::string_view status,
                               std::string_view protocol, std::string_view cipher) {
  const int64_t number = to_int64(conn_id);
  if (number <= 0) return;
  Connection& c = connection(dir, number);
  if (status.empty()) {
    add_log_as(c, EventType::note, "consolidated-event");  // no TLS field: says nothing of TLS
  } else if (same_word(status, "success")) {
    if (!protocol.empty()) c.tls_protocol = std::string(protocol);
    if (!cipher.empty()) c.tls_cipher = std::string(cipher);
    add_log_as(c, EventType::consolidated_tls, "success");
  } else {
    // The event gives no reason, only that the handshake did not succeed.
    add_log_as(c, EventType::consolidated_tls, {});
  }
}

// DANE (RFC 7672) for an outbound connection; its detail is "<status> <host>".
void EventStep::dane_line(std::string_view dcid, std::string_view status, std::string_view host) {
  const int64_t number = to_int64(dcid);
  if (number <= 0) return;
  Connection& c = connection(Direction::outbound, number);
  std::string detail(status);
  for (char& ch : detail) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (!host.empty()) {
    detail += ' ';
    detail += host;
  }
  add_log_as(c, EventType::dane, detail);
}

// Who is the client follows from who sends commands and who sends reply codes: on an
// outbound connection the appliance sends EHLO and receives the 3-digit replies.
void EventStep::debug_line(bool sent_by_appliance) {
  const int64_t conn_id = connection_id();
  if (conn_id < 0) return;
  std::string_view text = f(slot::text);
  TranscriptLine tl{Sender::client, std::string(text), line_.ref, line_.time};
  const ConnKey probe{app_, Direction::inbound, conn_id};
  // A known direction is the common case: the id's earlier lines settled it, and then
  // none of its lines can still be pending (they were attached when it was settled).
  if (auto known = st_.debug_direction.find(probe); known != st_.debug_direction.end())
    return attach_debug(known->second, conn_id, sent_by_appliance, std::move(tl));
  std::optional<Direction> dir;
  if (starts_with_code(text)) {
    dir = sent_by_appliance ? Direction::inbound : Direction::outbound;
  } else if (is_client_command(text)) {
    dir = sent_by_appliance ? Direction::outbound : Direction::inbound;
  }
  if (!dir) {
    PendingDebug& p = st_.pending_debug[probe];
    p.lines.emplace_back(sent_by_appliance, std::move(tl));
    p.last_seen = line_.time;
    return;
  }
  st_.debug_direction.emplace(probe, *dir);
  if (auto p = st_.pending_debug.find(probe); p != st_.pending_debug.end()) {
    auto held = std::move(p->second.lines);
    st_.pending_debug.erase(p);
    for (auto& [sent, held_line] : held) attach_debug(*dir, conn_id, sent, std::move(held_line));
  }
  attach_debug(*dir, conn_id, sent_by_appliance, std::move(tl));
}

void EventStep::attach_debug(Direction dir, int64_t conn_id, bool sent_by_appliance,
                           TranscriptLine line) {
  const bool appliance_is_client = dir == Direction::outbound;
  line.sender = sent_by_appliance == appliance_is_client ? Sender::client : Sender::server;
  Connection& c = connection(dir, conn_id);
  if (c.transcript.empty()) c.transcript.reserve(kTranscriptLinesReserved);
  c.transcript.push_back(std::move(line));
}

// Debug lines whose direction never showed (no command, no reply code) are kept as an
// outbound dialogue, the common case of a domain debug log: never dropped.
void flush_pending_debug(Sessions::State& st, ConnKey key) {
  auto it = st.pending_debug.find(key);
  if (it == st.pending_debug.end()) return;
  PendingDebug p = std::move(it->second);
  st.pending_debug.erase(it);
  auto [slot, created] = st.open.try_emplace(ConnKey{key.appliance, Direction::outbound, key.id});
  Connection& c = slot->second;
  if (created) {
    c.appliance = st.appliances[key.appliance];
    c.direction = Direction::outbound;
    c.conn_id = key.id;
  }
  for (auto& [sent, line] : p.lines) {
    line.sender = sent ? Sender::client : Sender::server;
    if (!c.started_at) c.started_at = line.time;
    c.last_seen = std::max(c.last_seen, line.time);
    c.transcript.push_back(std::move(line));
  }
}

}  // namespace

void Sessions::on_event(const Event& ev, const LineInfo& line) {
  State& st = *state_;
  if (ev.type == EventType::other || ev.type == EventType::comment) return;
  const uint32_t app = st.appliance_of(line.appliance);
  // The clock of the idle time-out is the log time of the line being read, not the
  // latest time seen: a second file covering the same hours (a debug log read after the
  // mail_logs) must not make the first file's open connections look idle.
  if (line.time) st.now = line.time;
  EventStep(st, sink_, stats_, ev, line, app).run();
  stats_.peak_open = std::max(stats_.peak_open, st.open.size());
  if (++st.events_since_sweep >= 4096 || st.open.size() > options_.max_open) sweep();
}

// Finishes connections idle for longer than the time-out (log time), and the oldest
// ones when more than max_open are held, so memory stays flat on endless input.
void Sessions::sweep() {
  State& st = *state_;
  st.events_since_sweep = 0;
  const int64_t idle_before = st.now - options_.idle_timeout;
  const bool over = st.open.size() > options_.max_open;
  if (!over && st.now - st.last_sweep < std::max<int64_t>(1, options_.idle_timeout / 8)) return;
  st.last_sweep = st.now;
  // A dialogue from a debug log whose connection has not been seen in the mail_logs is
  // kept open (up to a tenth of the bound: a dialogue holds a few kB) for the mail_logs
  // file read later in the run to adopt in memory, instead of being written as a
  // fragment for the store to merge.
  size_t dialogues_kept = 0;
  const size_t max_dialogues = options_.max_open / 10;
  std::vector<std::pair<int64_t, ConnKey>> candidates;
  for (auto& [key, c] : st.open) {
    const int64_t seen = c.last_seen ? c.last_seen : c.started_at;
    const bool dialogue_only = !c.has_open && c.log.empty() && !c.transcript.empty();
    if (!over && dialogue_only && dialogues_kept < max_dialogues) {
      ++dialogues_kept;
      continue;
    }
    if (seen && seen < idle_before) candidates.emplace_back(seen, key);
    else if (over) candidates.emplace_back(seen, key);
  }
  std::sort(candidates.begin(), candidates.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  size_t excess = over ? st.open.size() - options_.max_open * 3 / 4 : 0;
  for (auto& [seen, key] : candidates) {
    const bool idle = seen && seen < idle_before;
    if (!idle && excess == 0) continue;
    if (excess) --excess;
    ++stats_.timed_out;
    EventStep::finish(st, sink_, stats_, st.open.find(key));
  }
  sweep_messages(idle_before);
}

void Sessions::sweep_messages(int64_t idle_before) {
  State& st = *state_;
  const size_t max_messages = options_.max_open * 4;
  const bool over = st.messages.size() > max_messages;
  std::vector<std::pair<int64_t, MsgKey>> old;
  for (auto& [key, m] : st.messages)
    if ((m.last_seen && m.last_seen < idle_before) || over) old.emplace_back(m.last_seen, key);
  std::sort(old.begin(), old.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  size_t excess = over ? st.messages.size() - max_messages * 3 / 4 : 0;
  for (auto& [seen, key] : old) {
    const bool idle = seen && seen < idle_before;
    if (!idle && excess == 0) continue;
    if (excess) --excess;
    EventStep::finish_message(st, sink_, stats_, st.messages.find(key));
  }
  std::vector<ConnKey> stale;
  for (auto& [key, p] : st.pending_debug)
    if (p.last_seen < idle_before) stale.push_back(key);
  for (const auto& key : stale) flush_pending_debug(st, key);
  if (st.debug_direction.size() > max_messages) st.debug_direction.clear();
}

void Sessions::finish_all() {
  State& st = *state_;
  while (!st.open.empty()) EventStep::finish(st, sink_, stats_, st.open.begin());
  while (!st.messages.empty()) EventStep::finish_message(st, sink_, stats_, st.messages.begin());
  while (!st.pending_debug.empty()) flush_pending_debug(st, st.pending_debug.begin()->first);
  while (!st.open.empty()) EventStep::finish(st, sink_, stats_, st.open.begin());
  st.debug_direction.clear();
}

}  // namespace mailtls
