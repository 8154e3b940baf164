// Outbound connections (DCID): TLS negotiation as the destination's profile says, then
// delivery of the queued messages, with the occasional deferral and bounce.
#include <bit>

#include "gen_sim.h"

namespace gen {
namespace {

constexpr uint32_t kOutIp = (10u << 24) | (1u << 16) | (1u << 8) | 10u;
constexpr int kMaxAttempts = 3;
constexpr uint8_t kMessagesPerConnection = 10;

enum State : uint8_t { kOpen, kTls, kDeliver, kDone, kClose };

// EHLO keyword lists in the styles of common MTAs. "STARTTLS" is placed, dropped, moved or
// masked per the connection's outcome; style 3 puts it last in lower case (valid, and a
// case parsers get wrong).
const std::vector<std::string_view> kEhloStyles[4] = {
    {"PIPELINING", "SIZE 10240000", "VRFY", "ETRN", "STARTTLS", "ENHANCEDSTATUSCODES", "8BITMIME",
     "DSN", "SMTPUTF8"},
    {"SIZE 37748736", "PIPELINING", "DSN", "ENHANCEDSTATUSCODES", "STARTTLS", "8BITMIME",
     "BINARYMIME", "CHUNKING", "SMTPUTF8"},
    {"SIZE 157286400", "8BITMIME", "STARTTLS", "ENHANCEDSTATUSCODES", "PIPELINING", "CHUNKING",
     "SMTPUTF8"},
    {"ENHANCEDSTATUSCODES", "PIPELINING", "8BITMIME", "SIZE 52428800", "DSN", "AUTH LOGIN PLAIN",
     "starttls"}};
const std::string_view kGreeting[4] = {"", " Hello [10.1.1.10]", " at your service", " Hello"};

const std::string_view kHandshakeErrors[] = {
    "(336151568, 'error:14094410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure')",
    "(167772567, 'error:0A000410:SSL routines::sslv3 alert handshake failure')",
    "(336130315, 'error:1408F10B:SSL routines:ssl3_get_record:wrong version number')",
    "[Errno 54] Connection reset by peer"};
const std::string_view kCertificateErrors[] = {
    "(337047686, 'error:1416F086:SSL routines:tls_process_server_certificate:certificate "
    "verify failed')",
    "(167772294, 'error:0A000086:SSL routines::certificate verify failed')"};

bool offers_starttls(OutProfile p) {
  return p != OutProfile::not_offered && p != OutProfile::ehlo_rejected;
}

bool sends_starttls(OutProfile p) {
  return p == OutProfile::success || p == OutProfile::refused || p == OutProfile::handshake ||
         p == OutProfile::certificate || p == OutProfile::lost;
}

}  // namespace

LogWriter& Sim::out_dbg(const OutConn& c, const char* dir) {
  return domain_dbg_.begin(now()).n(c.dcid).c(' ').s(dir).s(": '");
}

void Sim::push_group(uint32_t dest, Group g) {
  Dest& d = dests_[dest];
  d.pending.push_back(g);
  if (d.active < d.domain->max_conns && (d.active == 0 || d.pending.size() > d.active * 3u))
    open_out(dest, rng_.range(50, 1500));
}

void Sim::open_out(uint32_t dest, int64_t delay_ms) {
  const uint32_t idx = take_slot(out_, out_free_);
  out_[idx].dest = dest;
  ++dests_[dest].active;
  ++totals_.connections_out;
  schedule(delay_ms, Kind::outbound, idx);
}

void Sim::on_outbound(uint32_t idx) {
  OutConn& c = out_[idx];
  switch (c.state) {
    case kOpen:
      out_open(c);
      c.state = kTls;
      break;
    case kTls:
      if (!out_tls(c)) return out_close(c, idx, false);
      c.state = kDeliver;
      break;
    case kDeliver:
      c.state = out_next(c) ? kDone : kClose;
      break;
    case kDone:
      out_finish(c);
      c.state = ++c.delivered >= kMessagesPerConnection ? kClose : kDeliver;
      break;
    default:
      return out_close(c, idx, true);
  }
  schedule(rng_.range(10, 800), Kind::outbound, idx);
}

void Sim::out_open(OutConn& c) {
  const Domain& d = *dests_[c.dest].domain;
  c.dcid = next_dcid_++;
  c.debug = rng_.chance(opt_.debug_fraction);
  c.outcome = d.profile;
  // Transient trouble on otherwise healthy destinations.
  if (c.outcome == OutProfile::success && rng_.chance(0.01))
    c.outcome = rng_.chance(0.5) ? OutProfile::lost : OutProfile::handshake;
  mail_.begin(now()).s("New SMTP DCID ").n(c.dcid).s(" interface ").ip(kOutIp);
  mail_.s(" address ").ip(d.ip).s(" port 25").end();
}

void Sim::out_ehlo_reply(const OutConn& c, const Domain& d, bool after_tls) {
  std::string_view lines[16];
  size_t n = 0;
  const bool offer = !after_tls && offers_starttls(c.outcome);
  if (offer && c.outcome == OutProfile::misordered) lines[n++] = "STARTTLS";
  const size_t greeting = n++;
  for (std::string_view k : kEhloStyles[d.ehlo_style]) {
    if (k == "STARTTLS" || k == "starttls") {
      if (!offer || c.outcome == OutProfile::misordered) continue;
      if (c.outcome == OutProfile::masked) k = "XXXXXXXA";
    }
    lines[n++] = k;
  }
  for (size_t i = 0; i < n; ++i) {
    out_dbg(c, "Rcvd").s(i + 1 < n ? "250-" : "250 ");
    if (i == greeting) {
      domain_dbg_.s(d.mx).s(kGreeting[d.ehlo_style]);
    } else {
      domain_dbg_.s(lines[i]);
    }
    domain_dbg_.c('\'').end();
  }
}

// The domain debug log: the appliance is the client, so it *sends* EHLO and STARTTLS.
void Sim::out_ehlo_debug(const OutConn& c, const Dest& dest) {
  const Domain& d = *dest.domain;
  out_dbg(c, "Rcvd").s("220 ");
  if (c.outcome == OutProfile::masked) {
    domain_dbg_.s("******************************'").end();  // PIX "fixup smtp" banner
  } else {
    domain_dbg_.s(d.mx).s(" ESMTP ready'").end();
  }
  out_dbg(c, "Sent").s("EHLO ").s(opt_.host).c('\'').end();
  if (c.outcome == OutProfile::ehlo_rejected) {
    out_dbg(c, "Rcvd").s("502 5.5.2 Error: command not recognized'").end();
    out_dbg(c, "Sent").s("HELO ").s(opt_.host).c('\'').end();
    out_dbg(c, "Rcvd").s("250 ").s(d.mx).c('\'').end();
    return;
  }
  out_ehlo_reply(c, d, false);
  if (!sends_starttls(c.outcome)) return;
  out_dbg(c, "Sent").s("STARTTLS'").end();
  if (c.outcome == OutProfile::lost) return;
  if (c.outcome == OutProfile::refused) {
    out_dbg(c, "Rcvd").s("454 4.7.0 TLS not available due to local problem'").end();
    return;
  }
  out_dbg(c, "Rcvd").s("220 2.0.0 Ready to start TLS'").end();
  if (c.outcome != OutProfile::success) return;
  out_dbg(c, "Sent").s("EHLO ").s(opt_.host).c('\'').end();
  out_ehlo_reply(c, d, true);
}

// Returns false when the connection ends here (the caller closes it).
bool Sim::out_tls(OutConn& c) {
  const Dest& dest = dests_[c.dest];
  const Domain& d = *dest.domain;
  if (c.debug) out_ehlo_debug(c, dest);
  if (c.outcome == OutProfile::tls_off) return true;  // TLS off for it: no TLS line at all
  mail_.begin(now());
  switch (c.outcome) {
    case OutProfile::success:
      mail_.s("DCID ").n(c.dcid);
      tls_success_fields(mail_);
      if (rng_.chance(0.1)) mail_.s(" for ").s(d.name);
      if (rng_.chance(0.3)) mail_.c(' ');
      mail_.end();
      return true;
    case OutProfile::refused:
      mail_.s("DCID ").n(c.dcid).s(" TLS failed: STARTTLS unexpected response").end();
      break;
    case OutProfile::handshake:
      mail_.s("DCID ").n(c.dcid).s(" TLS failed: ").s(rng_.pick(kHandshakeErrors)).end();
      break;
    case OutProfile::certificate:
      mail_.s("DCID ").n(c.dcid).s(" TLS failed: ").s(rng_.pick(kCertificateErrors)).end();
      break;
    case OutProfile::lost:
      mail_.s("Connection Error: DCID ").n(c.dcid).s(" domain: ").s(d.name).s(" IP: ").ip(d.ip);
      mail_.s(" port: 25 details: [Errno 104] Connection reset by peer interface: ").ip(kOutIp);
      mail_.s(" reason: network error").end();
      defer_all(c, "[Errno 104] Connection reset by peer", 3);
      return false;
    default:
      mail_.s("DCID ").n(c.dcid).s(" STARTTLS command not supported").end();
  }
  if (!d.tls_required) return true;
  mail_.begin(now()).s("DCID ").n(c.dcid).s(" IP ").ip(d.ip);
  mail_.s(" TLS was required but could not be successfully negotiated").end();
  defer_all(c, "TLS was required but could not be successfully negotiated", 3);
  mail_.begin(now()).s("DCID ").n(c.dcid).s(" close").end();
  return false;
}

void Sim::rid_list(LogWriter& w, uint8_t mask) {
  w.c('[');
  bool first = true;
  for (uint8_t r = 0; r < 8; ++r) {
    if (!(mask & (1u << r))) continue;
    if (!first) w.s(", ");
    w.n(r);
    first = false;
  }
  w.c(']');
}

bool Sim::out_next(OutConn& c) {
  Dest& d = dests_[c.dest];
  if (d.pending.empty()) return false;
  c.current = d.pending.front();
  d.pending.pop_front();
  const Message& m = msgs_[c.current.msg];
  mail_.begin(now()).s("Delivery start DCID ").n(c.dcid).s(" MID ").n(m.mid).s(" to RID ");
  rid_list(mail_, c.current.rids);
  if (d.domain->quarantine) mail_.s(" to offbox IronPort Spam Quarantine");
  mail_.end();
  if (!c.debug) return true;
  out_dbg(c, "Sent").s("MAIL FROM:<");
  addr(domain_dbg_, m.from);
  domain_dbg_.s(">'").end();
  out_dbg(c, "Rcvd").s("250 2.1.0 Ok'").end();
  for (uint8_t r = 0; r < m.nrcpt; ++r) {
    if (!(c.current.rids & (1u << r))) continue;
    out_dbg(c, "Sent").s("RCPT TO:<");
    addr(domain_dbg_, m.rcpt[r]);
    domain_dbg_.s(">'").end();
    out_dbg(c, "Rcvd").s("250 2.1.5 Ok'").end();
  }
  return true;
}

void Sim::out_finish(OutConn& c) {
  const Group g = c.current;
  const double roll = rng_.unit();
  if (roll < 0.02) return bounce_group(c.dcid, g, false);
  if (roll < 0.05) {
    return defer_group(c.dcid, g, "4.3.2 - Not accepting messages at this time",
                       "('421', ['4.3.2 try again later'])");
  }
  const Message& m = msgs_[g.msg];
  if (c.debug) {
    out_dbg(c, "Sent").s("DATA'").end();
    out_dbg(c, "Rcvd").s("354 End data with <CR><LF>.<CR><LF>'").end();
    out_dbg(c, "Rcvd").s("250 2.0.0 Ok: queued as ");
    token(domain_dbg_, 12);
    domain_dbg_.c('\'').end();
  }
  mail_.begin(now()).s("Message done DCID ").n(c.dcid).s(" MID ").n(m.mid).s(" to RID ");
  rid_list(mail_, g.rids);
  if (dests_[c.dest].domain->quarantine) {
    mail_.s(" (external quarantine) ");
  } else if (rng_.chance(0.05)) {
    mail_.s(" [('from', '");
    addr(mail_, m.from);
    mail_.s("'), ('to', '");
    addr(mail_, m.rcpt[std::countr_zero(g.rids)]);
    mail_.s("')]");
  } else if (rng_.chance(0.5)) {
    mail_.c(' ');  // AsyncOS 7.x ends this line with a space
  }
  mail_.end();
  mail_.begin(now()).s("MID ").n(m.mid).s(" RID ");
  rid_list(mail_, g.rids);
  mail_.s(" Response '");
  switch (dests_[c.dest].domain->response_style) {
    case 0:
      mail_.s("2.0.0 Ok: queued as ");
      token(mail_, 16);
      break;
    case 1:
      mail_.s("2.6.0 <");
      token(mail_, 24);
      mail_.s("@mail.local> [InternalId=")
          .n(rng_.next() % 100000000000ull)
          .s("] Queued mail for delivery");
      break;
    case 2:
      mail_.s("2.0.0 OK  ").n(1700000000 + uint64_t(now() % 100000000)).c(' ');
      token(mail_, 20);
      mail_.s(" - gsmtp");
      break;
    default:
      mail_.s("ok:  Message ").n(rng_.next() % 100000000).s(" accepted");
  }
  mail_.s("'").end();
  finish_rids(g);
}

void Sim::out_close(OutConn& c, uint32_t idx, bool logged_close) {
  const uint32_t dest = c.dest;
  if (logged_close) {
    if (c.debug) {
      out_dbg(c, "Sent").s("QUIT'").end();
      out_dbg(c, "Rcvd").s("221 2.0.0 Bye'").end();
    }
    mail_.begin(now()).s("DCID ").n(c.dcid).s(" close").end();
  }
  out_free_.push_back(idx);  // `c` is not used after this: open_out() may reuse the slot
  Dest& d = dests_[dest];
  --d.active;
  if (!d.pending.empty() && d.active == 0) open_out(dest, rng_.range(1000, 30000));
}

// The connection failed before delivering: the first few waiting messages are deferred
// (retried later, bounced after kMaxAttempts), the rest wait for the next connection.
void Sim::defer_all(OutConn& c, const char* why, size_t max_groups) {
  Dest& d = dests_[c.dest];
  for (size_t i = 0; i < max_groups && !d.pending.empty(); ++i) {
    const Group g = d.pending.front();
    d.pending.pop_front();
    std::string detail = std::string("('000', ['") + why + "'])";
    defer_group(c.dcid, g, "4.4.2 - Bad connection", detail.c_str());
  }
}

void Sim::defer_group(uint64_t dcid, const Group& g, const char* status, const char* text) {
  if (g.attempts + 1 >= kMaxAttempts) return bounce_group(dcid, g, true);
  const Message& m = msgs_[g.msg];
  for (uint8_t r = 0; r < m.nrcpt; ++r) {
    if (!(g.rids & (1u << r))) continue;
    mail_.begin(now()).s("Delayed: DCID ").n(dcid).s(" MID ").n(m.mid).s(" From: <");
    addr(mail_, m.from);
    mail_.s("> To: <");
    addr(mail_, m.rcpt[r]);
    mail_.s("> RID ").n(r).s(" - ").s(status).c(' ').s(text).end();
  }
  uint32_t slot;
  if (!retries_free_.empty()) {
    slot = retries_free_.back();
    retries_free_.pop_back();
  } else {
    slot = uint32_t(retries_.size());
    retries_.emplace_back();
  }
  retries_[slot] = Group{g.msg, g.dest, g.rids, uint8_t(g.attempts + 1)};
  schedule(rng_.range(60, 900) * 1000, Kind::retry, slot);
}

void Sim::bounce_group(uint64_t dcid, const Group& g, bool expired) {
  const Message& m = msgs_[g.msg];
  const bool old_shape = rng_.chance(0.2);
  for (uint8_t r = 0; r < m.nrcpt; ++r) {
    if (!(g.rids & (1u << r))) continue;
    mail_.begin(now()).s("Bounced: DCID ").n(expired ? 0 : dcid).s(" MID ").n(m.mid);
    mail_.s(old_shape ? " From:<" : " From: <");
    addr(mail_, m.from);
    mail_.s(old_shape ? "> To:<" : "> To: <");
    addr(mail_, m.rcpt[r]);
    mail_.s("> RID ").n(r);
    if (expired) {
      mail_.s(" - 5.4.7 - Delivery expired (message too old) ('000', ['timeout'])").end();
    } else {
      mail_.s(" - 5.1.1 - Bad destination email address ('550', ['5.1.1 <");
      addr(mail_, m.rcpt[r]);
      mail_.s(">: Recipient address rejected: User unknown'])").end();
    }
  }
  finish_rids(g);
}

void Sim::finish_rids(const Group& g) {
  Message& m = msgs_[g.msg];
  m.open_rids = uint8_t(m.open_rids - std::popcount(g.rids));
  if (m.open_rids != 0) return;
  mail_.begin(now()).s("Message finished MID ").n(m.mid).s(" done").end();
  free_message(g.msg);
}

void Sim::on_retry(uint32_t slot) {
  const Group g = retries_[slot];
  retries_free_.push_back(slot);
  push_group(g.dest, g);
}

}  // namespace gen
