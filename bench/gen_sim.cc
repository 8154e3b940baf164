// The scheduler and the pieces shared by inbound and outbound connections.
#include "gen_sim.h"

#include <cstdio>

namespace gen {
namespace {

// Relative connection rate per hour of the day, so log time advances unevenly (quiet
// nights, busy mornings) the way an appliance's does.
constexpr int kHourlyRate[24] = {30, 25, 22,  20, 22, 30, 50, 75, 95, 100, 100, 95,
                                 90, 95, 100, 95, 85, 70, 55, 45, 40, 38,  35,  32};

// Shaped like a real serial: 20 hex digits, a dash, 12 hex digits.
std::string default_serial(uint64_t seed) {
  uint64_t s = seed;
  const unsigned long long a = splitmix64(s), b = splitmix64(s);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%016llX%04llX-%012llX", a, b >> 48, b & 0xFFFFFFFFFFFFull);
  return buf;
}

}  // namespace

Sim::Sim(const Options& o)
    : opt_(o),
      rng_(o.seed),
      vocab_(make_vocab(rng_, o.domains)),
      mail_(o.out_dir + "/mail.current", o.form, "mail_logs", o.host),
      domain_dbg_(o.out_dir + "/domain_debug.current", o.form, "domain_debug", o.host),
      inject_dbg_(o.out_dir + "/injection_debug.current", o.form, "injection_debug", o.host) {
  if (opt_.serial.empty()) opt_.serial = default_serial(o.seed);
  // Counters start where a long-running appliance's would be, different per seed.
  next_icid_ = 1000000 + rng_.below(90000000);
  next_mid_ = 100000 + rng_.below(30000000);
  next_dcid_ = 10000 + rng_.below(9000000);
  internal_domain_.name = vocab_.internal_domains[0];
  internal_domain_.mx = "exchange01.corp.mycompany.com";
  internal_domain_.ip = vocab_.internal_mx_ip;
  internal_domain_.ehlo_style = 1;
  // All inbound mail goes to the internal server: enough parallel deliveries that its
  // queue never grows without bound at the busiest hour.
  internal_domain_.max_conns = 60;
  internal_domain_.response_style = 1;
  quarantine_.name = "sma1.mycompany.com";
  quarantine_.mx = quarantine_.name;
  quarantine_.ip = vocab_.internal_mx_ip + 1;
  quarantine_.max_conns = 2;
  quarantine_.response_style = 3;
  quarantine_.quarantine = true;
  for (const auto& d : vocab_.domains) dests_.push_back(Dest{&d, {}, 0});
  dests_.push_back(Dest{&internal_domain_, {}, 0});
  dests_.push_back(Dest{&quarantine_, {}, 0});
}

bool Sim::budget_left() const {
  const uint64_t written = mail_.bytes() + domain_dbg_.bytes() + inject_dbg_.bytes();
  // Connections and messages still open when arrivals stop write some more (their close,
  // scanning, deliveries); keep room for them so the total lands near --bytes.
  const uint64_t open_in = in_.size() - in_free_.size(), open_out = out_.size() - out_free_.size();
  const uint64_t open_msgs = msgs_.size() - msgs_free_.size();
  const uint64_t reserve = open_in * 2000 + open_out * 1000 + open_msgs * 2000;
  return written + reserve < opt_.bytes;
}

void Sim::schedule(int64_t delay_ms, Kind kind, uint32_t idx) {
  queue_.push(Event{now_ms_ + delay_ms, seq_++, idx, kind});
}

bool Sim::run() {
  for (LogWriter* w : {&mail_, &domain_dbg_, &inject_dbg_}) {
    if (!w->ok()) return false;
    w->header(now(), "15.0.1-030", opt_.serial, -21600);
  }
  schedule(0, Kind::arrive, 0);
  schedule(1000, Kind::system, 0);
  while (!queue_.empty()) {
    const Event e = queue_.top();
    queue_.pop();
    now_ms_ = e.at_ms;
    dispatch(e);
  }
  bool ok = true;
  for (LogWriter* w : {&mail_, &domain_dbg_, &inject_dbg_}) ok = w->flush() && ok;
  return ok;
}

void Sim::dispatch(const Event& e) {
  switch (e.kind) {
    case Kind::arrive:
      return on_arrive();
    case Kind::inbound:
      return on_inbound(e.idx);
    case Kind::scan:
      return on_scan(e.idx);
    case Kind::outbound:
      return on_outbound(e.idx);
    case Kind::retry:
      return on_retry(e.idx);
    case Kind::system:
      return on_system();
  }
}

void Sim::on_arrive() {
  if (!budget_left()) {
    stopping_ = true;
    return;
  }
  const uint32_t idx = take_slot(in_, in_free_);
  in_[idx].icid = next_icid_++;
  ++totals_.connections_in;
  schedule(0, Kind::inbound, idx);
  // About 50 connections a second at the busiest hour, 10-15 at night: with ~15 s per
  // connection that keeps hundreds open at once.
  const int rate = kHourlyRate[(now() / 3600) % 24];
  schedule(rng_.range(0, 40) * 100 / rate, Kind::arrive, 0);
}

// Status lines that belong to no connection: the "everything else" a parser must count.
void Sim::on_system() {
  if (stopping_) return;
  if (rng_.chance(0.15)) {
    mail_.begin(now(), Level::warning)
        .s("URL category definitions have changed. Please check and update your filters to "
           "use the new definitions")
        .end();
  } else {
    mail_.begin(now()).s(rng_.pick(kSystemLines)).end();
  }
  schedule(rng_.range(5000, 60000), Kind::system, 0);
}

void Sim::addr(LogWriter& w, const Addr& a) {
  if (a.kind == Addr::role) {
    w.s(kRoleNames[a.a]);
  } else {
    w.s(kFirstNames[a.a]).c('.').s(kLastNames[a.b]);
  }
  w.c('@').s(a.internal ? vocab_.internal_domains[a.domain] : vocab_.domains[a.domain].name);
}

Addr Sim::random_person(bool internal) {
  Addr a;
  a.internal = internal;
  a.a = uint16_t(rng_.below(uint32_t(kFirstNames.size())));
  a.b = uint16_t(rng_.below(uint32_t(kLastNames.size())));
  a.domain =
      internal ? uint16_t(rng_.chance(0.9) ? 0 : 1) : uint16_t(vocab_.popularity.sample(rng_));
  return a;
}

Addr Sim::external_sender(uint16_t domain) {
  Addr a = random_person(false);
  a.domain = domain;
  if (rng_.chance(0.35)) {
    a.kind = Addr::role;
    a.a = uint16_t(rng_.below(uint32_t(kRoleNames.size())));
  }
  return a;
}

// Random letters and digits, like the queue ids remote servers put in their replies.
void Sim::token(LogWriter& w, size_t len) {
  static const char chars[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  uint64_t v = rng_.next();
  for (size_t i = 0; i < len; ++i, v >>= 6) {
    if (i % 10 == 9) v = rng_.next();
    w.c(chars[(v & 63) % 62]);
  }
}

uint32_t Sim::new_message(uint64_t icid, const Addr& from) {
  const uint32_t i = take_slot(msgs_, msgs_free_);
  Message& m = msgs_[i];
  m.mid = next_mid_++;
  m.icid = icid;
  m.from = from;
  m.subject = uint16_t(rng_.below(uint32_t(kSubjects.size())));
  m.size = uint32_t(rng_.range(800, rng_.chance(0.1) ? 4000000 : 60000));
  ++totals_.messages;
  return i;
}

void Sim::free_message(uint32_t idx) {
  msgs_free_.push_back(idx);
}

// " TLS success protocol P cipher C", the protocol matching the cipher: TLS 1.3 suites
// are named TLS_*, and 5% of peers are old TLSv1 ones, logged as AsyncOS 7.x did.
void Sim::tls_success_fields(LogWriter& w) {
  if (rng_.chance(0.05)) {
    w.s(" TLS success protocol TLSv1 cipher ").s(rng_.pick(kOldCiphers));
    return;
  }
  const std::string_view cipher = rng_.pick(kCiphers);
  w.s(cipher.starts_with("TLS_") ? " TLS success protocol TLSv1.3 cipher "
                                 : " TLS success protocol TLSv1.2 cipher ");
  w.s(cipher);
}

// Subjects are logged in Python repr: single quotes, double quotes when the text holds
// a single quote, and (rarely, from old versions) no quotes at all.
void Sim::write_subject(LogWriter& w, uint64_t mid, uint16_t subject) {
  const std::string_view s = kSubjects[subject];
  w.begin(now()).s("MID ").n(mid).s(" Subject ");
  if (s.find('\'') != std::string_view::npos) {
    w.c('"').s(s).c('"');
  } else if (rng_.chance(0.02)) {
    w.s(s);
  } else {
    w.c('\'').s(s).c('\'');
  }
  w.end();
}

void Sim::write_message_id(LogWriter& w, const Message& m) {
  w.begin(now()).s("MID ").n(m.mid).s(" Message-ID '<");
  switch (m.mid % 3) {
    case 0:
      w.n(rng_.next() % 1000000000).c('.').n(m.mid).s(".JavaMail.root@mta").n(m.mid % 9);
      w.c('.').s(vocab_.domains[m.from.domain].name);
      break;
    case 1:
      token(w, 20);
      w.s("@mail.").s(m.from.internal ? vocab_.internal_domains[m.from.domain]
                                      : vocab_.domains[m.from.domain].name);
      break;
    default:
      w.s("CA").c('F');
      token(w, 30);
      w.s("@mail.gmail.com");
  }
  w.s(">'").end();
}

}  // namespace gen
