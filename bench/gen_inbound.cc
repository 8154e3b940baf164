// Inbound connections (ICID) and the scanning of the messages they carry.
#include "gen_sim.h"

namespace gen {
namespace {

constexpr uint32_t kDataIp = (10u << 24) | (1u << 16) | (1u << 8) | 10u;
constexpr uint32_t kInternalIp = (10u << 24) | (1u << 16) | (2u << 8) | 10u;

enum State : uint8_t { kOpen, kTls, kEnvelope, kData, kClose };

// Writes a score like "-2.5" or "3.4" from tenths.
void sbrs(LogWriter& w, int tenths) {
  if (tenths < 0) w.c('-');
  const int v = tenths < 0 ? -tenths : tenths;
  w.n(uint64_t(v / 10)).c('.').n(uint64_t(v % 10));
}

// Probabilities of the inbound TLS outcomes for external senders, in enum order.
constexpr double kInOutcome[] = {0.70, 0.14, 0.04, 0.03, 0.02, 0.05, 0.02};

InOutcome pick_outcome(Rng& rng, bool relay) {
  if (relay) return rng.chance(0.8) ? InOutcome::success : InOutcome::cleartext;
  double u = rng.unit();
  for (size_t i = 0; i < sizeof kInOutcome / sizeof kInOutcome[0]; ++i) {
    if ((u -= kInOutcome[i]) < 0) return InOutcome(i);
  }
  return InOutcome::success;
}

}  // namespace

LogWriter& Sim::in_dbg(const InConn& c, const char* dir) {
  return inject_dbg_.begin(now()).n(c.icid).c(' ').s(dir).s(": '");
}

// The peer's reverse DNS name; also the name it gives in EHLO.
static void peer_host(LogWriter& w, const InConn& c, const Vocab& v) {
  if (c.relay) {
    w.s("app").n(c.ip & 255).s(".corp.mycompany.com");
  } else if (c.ip % 5 == 0) {
    w.s("h").n(c.ip >> 24).c('-').n((c.ip >> 16) & 255).c('-').n((c.ip >> 8) & 255);
    w.c('-').n(c.ip & 255).s(".dyn.example.net");
  } else {
    w.s(c.ip % 2 ? "mail-" : "mta").n(c.ip % 97).c('.').s(v.domains[c.sender_domain].name);
  }
}

void Sim::on_inbound(uint32_t idx) {
  InConn& c = in_[idx];
  switch (c.state) {
    case kOpen:
      in_open(c);
      break;
    case kTls:
      in_tls(c);
      break;
    case kEnvelope:
      in_envelope(c);
      break;
    case kData:
      in_data(c);
      break;
    default:
      return in_close(c, idx);
  }
  // Seconds between SMTP steps: DNS checks, slow clients and tarpitting make sessions long.
  schedule(rng_.range(50, 5000), Kind::inbound, idx);
}

void Sim::in_open(InConn& c) {
  c.relay = rng_.chance(0.3);
  c.reject = !c.relay && rng_.chance(0.18);
  c.debug = !c.reject && rng_.chance(opt_.debug_fraction);
  c.sender_domain = uint16_t(vocab_.popularity.sample(rng_));
  if (c.relay) {
    c.ip = (10u << 24) | (30u << 16) | uint32_t(rng_.below(65536));
  } else {
    const uint32_t first = uint32_t(rng_.range(11, 223));  // drawn first, in a fixed order
    c.ip = first << 24 | uint32_t(rng_.next() & 0xFFFFFF);
  }
  c.msgs_left = uint8_t(rng_.chance(0.7) ? 1 : rng_.range(2, 4));
  mail_.begin(now()).s("New SMTP ICID ").n(c.icid).s(" interface ");
  mail_.s(c.relay ? "InternalNet (" : "Data 1 (").ip(c.relay ? kInternalIp : kDataIp);
  mail_.s(") address ").ip(c.ip).s(" reverse dns host ");
  const bool verified = c.relay || c.ip % 5 != 0;
  if (!c.relay && c.ip % 11 == 0) {
    mail_.s("unknown verified no").end();
  } else {
    peer_host(mail_, c, vocab_);
    mail_.s(verified ? " verified yes" : " verified no").end();
  }
  mail_.begin(now()).s("ICID ").n(c.icid);
  if (c.relay) {
    mail_.s(" RELAY SG RELAYLIST match 10.0.0.0/8 SBRS not enabled").end();
  } else if (c.reject) {
    mail_.s(" REJECT SG BLACKLIST match sbrs[-10.0:-2.5] SBRS ");
    sbrs(mail_, -int(rng_.range(25, 100)));
    mail_.end();
  } else {
    mail_.s(" ACCEPT SG UNKNOWNLIST match sbrs[-2.0:10.0] SBRS ");
    sbrs(mail_, int(rng_.range(-20, 100)));
    if (rng_.chance(0.6)) mail_.s(" country ").s(rng_.pick(kCountries));
    mail_.end();
  }
  c.state = c.reject ? kClose : kTls;
}

// The injection debug log: the appliance is the server, so it *sends* the banner and the
// EHLO reply and *receives* the client's commands.
void Sim::in_tls_debug(const InConn& c) {
  in_dbg(c, "Sent").s("220 ").s(opt_.host).s(" ESMTP").s("'").end();
  in_dbg(c, "Rcvd").s("EHLO ");
  peer_host(inject_dbg_, c, vocab_);
  inject_dbg_.s("'").end();
  in_dbg(c, "Sent").s("250-").s(opt_.host).s("'").end();
  in_dbg(c, "Sent").s("250-8BITMIME'").end();
  in_dbg(c, "Sent").s("250-SIZE 10485760'").end();
  in_dbg(c, "Sent").s("250 STARTTLS'").end();
  switch (c.outcome) {
    case InOutcome::masked:
      // A PIX/ASA "fixup smtp" in front of the appliance turned the command into X's.
      in_dbg(c, "Rcvd").s("XXXXXXXX'").end();
      in_dbg(c, "Sent").s("500 #5.5.1 command not recognized'").end();
      return;
    case InOutcome::cleartext:
    case InOutcome::required:
      return;
    default:
      in_dbg(c, "Rcvd").s("STARTTLS'").end();
      in_dbg(c, "Sent").s("220 Go ahead with TLS'").end();
  }
  if (c.outcome != InOutcome::success) return;
  in_dbg(c, "Rcvd").s("EHLO ");
  peer_host(inject_dbg_, c, vocab_);
  inject_dbg_.s("'").end();
  in_dbg(c, "Sent").s("250-").s(opt_.host).s("'").end();
  in_dbg(c, "Sent").s("250-8BITMIME'").end();
  in_dbg(c, "Sent").s("250 SIZE 10485760'").end();
}

void Sim::in_tls(InConn& c) {
  c.outcome = pick_outcome(rng_, c.relay);
  if (c.debug) in_tls_debug(c);
  c.state = kEnvelope;
  switch (c.outcome) {
    case InOutcome::success:
      mail_.begin(now()).s("ICID ").n(c.icid);
      if (rng_.chance(0.02)) {
        mail_.s(" TLS success").end();  // the shape of old AsyncOS versions
      } else {
        tls_success_fields(mail_);
        mail_.end();
      }
      return;
    case InOutcome::handshake:
      mail_.begin(now()).s("ICID ").n(c.icid);
      mail_
          .s(" TLS failed: (336027900, 'error:1417A0C1:SSL routines:"
             "tls_post_process_client_hello:no shared cipher')")
          .end();
      c.state = kClose;
      return;
    case InOutcome::reset:
      mail_.begin(now())
          .s("ICID ")
          .n(c.icid)
          .s(" TLS failed: [Errno 54] Connection reset by peer")
          .end();
      mail_.begin(now()).s("ICID ").n(c.icid).s(" lost").end();
      c.state = kClose;
      return;
    case InOutcome::required:
      if (c.debug) {
        in_dbg(c, "Rcvd").s("MAIL FROM:<x@").s(vocab_.domains[c.sender_domain].name).s(">'").end();
        in_dbg(c, "Sent").s("530 Must issue a STARTTLS command first'").end();
      }
      mail_.begin(now())
          .s("ICID ")
          .n(c.icid)
          .s(" TLS was required but remote host did not initiate it")
          .end();
      c.state = kClose;
      return;
    case InOutcome::bare:
      mail_.begin(now()).s("ICID ").n(c.icid).s(" TLS failed").end();
      c.state = kClose;
      return;
    default:
      return;  // cleartext, masked: the session goes on without TLS and without a TLS line
  }
}

void Sim::in_envelope(InConn& c) {
  const Addr from = c.relay ? random_person(true) : external_sender(c.sender_domain);
  c.msg = new_message(c.icid, from);
  Message& m = msgs_[c.msg];
  m.nrcpt = uint8_t(rng_.chance(0.75) ? 1 : rng_.range(2, 3));
  for (uint8_t r = 0; r < m.nrcpt; ++r) m.rcpt[r] = random_person(!c.relay);
  mail_.begin(now()).s("Start MID ").n(m.mid).s(" ICID ").n(c.icid).end();
  mail_.begin(now()).s("MID ").n(m.mid).s(" ICID ").n(c.icid).s(" From: <");
  addr(mail_, m.from);
  mail_.c('>').end();
  if (c.debug) {
    in_dbg(c, "Rcvd").s("MAIL FROM:<");
    addr(inject_dbg_, m.from);
    inject_dbg_.s(">'").end();
    in_dbg(c, "Sent").s("250 sender <");
    addr(inject_dbg_, m.from);
    inject_dbg_.s("> ok'").end();
  }
  for (uint8_t r = 0; r < m.nrcpt; ++r) {
    mail_.begin(now()).s("MID ").n(m.mid).s(" ICID ").n(c.icid).s(" RID ").n(r).s(" To: <");
    addr(mail_, m.rcpt[r]);
    mail_.c('>').end();
    if (!c.debug) continue;
    in_dbg(c, "Rcvd").s("RCPT TO:<");
    addr(inject_dbg_, m.rcpt[r]);
    inject_dbg_.s(">'").end();
    in_dbg(c, "Sent").s("250 recipient <");
    addr(inject_dbg_, m.rcpt[r]);
    inject_dbg_.s("> ok'").end();
  }
  c.state = kData;
}

void Sim::in_data(InConn& c) {
  const Message& m = msgs_[c.msg];
  if (c.outcome == InOutcome::success && rng_.chance(0.02)) {
    mail_.begin(now(), Level::debug).s("MID ").n(m.mid).s(" ICID ").n(c.icid);
    mail_.s(" TLS read ").n(rng_.range(100, 900)).s(" bytes (0.0 seconds)").end();
  }
  write_message_id(mail_, m);
  write_subject(mail_, m.mid, m.subject);
  if (!c.relay && rng_.chance(0.5)) {
    const std::string& d = vocab_.domains[c.sender_domain].name;
    mail_.begin(now()).s("MID ").n(m.mid).s(" SDR: Domains for which SDR is requested: ");
    mail_.s("reverse DNS host: ");
    peer_host(mail_, c, vocab_);
    mail_.s(", helo: ");
    peer_host(mail_, c, vocab_);
    mail_.s(", env-from: ").s(d).s(", header-from: ").s(d).s(", reply-to: Not Present").end();
    mail_.begin(now())
        .s("MID ")
        .n(m.mid)
        .s(" SDR: Consolidated Sender Threat Level: Neutral, "
           "Threat Category: N/A, Suspected Domain(s) : N/A (other reasons for verdict). Sender "
           "Maturity: 30 days (or greater) for domain: ")
        .s(d)
        .end();
  }
  mail_.begin(now()).s("MID ").n(m.mid).s(" ready ").n(m.size).s(" bytes from <");
  addr(mail_, m.from);
  mail_.c('>').end();
  if (c.debug) {
    in_dbg(c, "Rcvd").s("DATA'").end();
    in_dbg(c, "Sent").s("354 go ahead'").end();
    in_dbg(c, "Sent").s("250 ok:  Message ").n(m.mid).s(" accepted'").end();
  }
  schedule(rng_.range(300, 4000), Kind::scan, c.msg);
  c.state = --c.msgs_left > 0 ? kEnvelope : kClose;
}

void Sim::in_close(InConn& c, uint32_t idx) {
  if (c.debug && c.outcome != InOutcome::reset) {
    in_dbg(c, "Rcvd").s("QUIT'").end();
    in_dbg(c, "Sent").s("221 ").s(opt_.host).s("'").end();
  }
  if (!c.reject && c.outcome != InOutcome::reset && rng_.chance(0.02))
    mail_.begin(now()).s("ICID ").n(c.icid).s(" lost").end();
  mail_.begin(now()).s("ICID ").n(c.icid).s(" close").end();
  in_free_.push_back(idx);
}

void Sim::on_scan(uint32_t idx) {
  const Message m = msgs_[idx];  // a copy: bcc_copy() may grow msgs_
  const bool relay = m.from.internal;
  scan_verdicts(m, relay);
  const double roll = relay ? 1.0 : rng_.unit();
  const bool spam = roll < 0.08, quarantine = !spam && roll < 0.12;
  const char* verdict = spam ? "spam positive" : quarantine ? "marketing" : "spam negative";
  const char* engine = !spam && rng_.chance(0.03) ? "SLBL " : "CASE ";  // safelisted sender
  mail_.begin(now())
      .s("MID ")
      .n(m.mid)
      .s(" interim verdict using engine: ")
      .s(engine)
      .s(verdict)
      .end();
  mail_.begin(now()).s("MID ").n(m.mid).s(" using engine: ").s(engine).s(verdict).end();
  if (quarantine) mail_.begin(now()).s("ISQ: Tagging MID ").n(m.mid).s(" for quarantine").end();
  if (spam) {
    mail_.begin(now()).s("Message aborted MID ").n(m.mid).s(" Dropped by CASE").end();
    mail_.begin(now()).s("Message finished MID ").n(m.mid).s(" done").end();
    return free_message(idx);
  }
  mail_.begin(now()).s("MID ").n(m.mid).s(" interim AV verdict using Sophos CLEAN").end();
  mail_.begin(now())
      .s("MID ")
      .n(m.mid)
      .s(rng_.chance(0.5) ? " antivirus negative " : " antivirus negative")
      .end();
  if (m.size > 262144) {
    mail_.begin(now()).s("MID ").n(m.mid).s(" was too big (").n(m.size);
    mail_.s("/262144) for scanning by Outbreak Filters").end();
  } else {
    mail_.begin(now()).s("MID ").n(m.mid).s(" Outbreak Filters: verdict negative").end();
  }
  if (rng_.chance(0.04)) bcc_copy(m);
  if (m.nrcpt >= 2 && rng_.chance(0.05)) {
    const uint32_t part = split_message(idx);
    mail_.begin(now()).s("MID ").n(msgs_[part].mid).s(" queued for delivery").end();
    queue_for_delivery(part, quarantine);
  }
  mail_.begin(now()).s("MID ").n(m.mid).s(" queued for delivery").end();
  queue_for_delivery(idx, quarantine);
}

// Safelist/blocklist settings differ per recipient, so the last recipient moves to a new
// message that is delivered on its own.
uint32_t Sim::split_message(uint32_t idx) {
  const uint32_t part = new_message(msgs_[idx].icid, msgs_[idx].from);
  Message& m = msgs_[idx];  // after new_message(): msgs_ may have grown
  Message& p = msgs_[part];
  p.subject = m.subject;
  p.size = m.size;
  p.nrcpt = 1;
  p.rcpt[0] = m.rcpt[--m.nrcpt];
  mail_.begin(now()).s("MID ").n(m.mid).s(" was split creating MID ").n(p.mid);
  mail_.s(" due to a SL/BL configuration for following recipients: ");
  addr(mail_, p.rcpt[0]);
  mail_.end();
  return part;
}

void Sim::scan_verdicts(const Message& m, bool relay) {
  mail_.begin(now()).s("MID ").n(m.mid).s(" matched all recipients for per-recipient policy ");
  mail_.s(relay ? "DEFAULT in the outbound table" : "DEFAULT in the inbound table").end();
  if (relay && rng_.chance(0.5)) {
    for (const char* kind : {" DomainKeys: cannot sign - no profile matches ",
                             " DKIM: cannot sign - no profile matches "}) {
      mail_.begin(now()).s("MID ").n(m.mid).s(kind);
      addr(mail_, m.from);
      mail_.end();
    }
  } else if (!relay && rng_.chance(0.6)) {
    const std::string& d = vocab_.domains[m.from.domain].name;
    mail_.begin(now()).s("MID ").n(m.mid).s(" SPF: mailfrom identity ");
    addr(mail_, m.from);
    mail_.s(" Pass (v=spf1)").end();
    mail_.begin(now()).s("MID ").n(m.mid).s(" DKIM: pass signature verified (d=").s(d);
    mail_.s(" s=selector1 i=@").s(d).c(')').end();
    mail_.begin(now()).s("MID ").n(m.mid).s(" DMARC: Message from domain ").s(d);
    mail_.s(", DMARC pass (SPF aligned True, DKIM aligned True)").end();
  }
  if (rng_.chance(0.2)) {
    mail_.begin(now())
        .s("MID ")
        .n(m.mid)
        .s(" attachment '")
        .s(rng_.pick(kAttachments))
        .s("'")
        .end();
  } else if (rng_.chance(0.4)) {
    mail_.begin(now()).s("MID ").n(m.mid);
    mail_.s(" AMP file reputation verdict : SKIPPED (no attachment in message)").end();
  }
  if (rng_.chance(0.3))
    mail_.begin(now()).s("MID ").n(m.mid).s(" using engine: GRAYMAIL negative").end();
}

// A copy made by a bcc content filter: a message with no inbound connection (ICID 0).
void Sim::bcc_copy(const Message& m) {
  Addr from;
  from.kind = Addr::role;
  from.internal = true;
  from.a = 1;  // noreply
  const uint32_t idx = new_message(0, from);
  Message& c = msgs_[idx];
  c.nrcpt = 1;
  c.rcpt[0] = from;
  c.rcpt[0].a = uint16_t(kRoleNames.size() - 1);  // the archive mailbox
  c.size = m.size + 1200;
  mail_.begin(now()).s("Start MID ").n(c.mid).s(" ICID 0").end();
  mail_.begin(now()).s("MID ").n(c.mid).s(" was generated based on MID ").n(m.mid);
  mail_.s(" by bcc filter 'Archive_BCC'").end();
  mail_.begin(now()).s("MID ").n(c.mid).s(" ICID 0 From: <");
  addr(mail_, c.from);
  mail_.c('>').end();
  mail_.begin(now()).s("MID ").n(c.mid).s(" ICID 0 RID 0 To: <");
  addr(mail_, c.rcpt[0]);
  mail_.c('>').end();
  mail_.begin(now()).s("MID ").n(c.mid).s(" ready ").n(c.size).s(" bytes from <");
  addr(mail_, c.from);
  mail_.c('>').end();
  mail_.begin(now()).s("MID ").n(c.mid).s(" queued for delivery").end();
  queue_for_delivery(idx, false);
}

// One group per destination: recipients at the same domain travel on one connection.
// Quarantined mail goes to the off-box spam quarantine instead.
void Sim::queue_for_delivery(uint32_t idx, bool quarantine) {
  Message& m = msgs_[idx];
  m.open_rids = m.nrcpt;
  auto dest_of = [&](const Addr& a) {
    return quarantine ? quarantine_dest() : a.internal ? internal_dest() : uint32_t(a.domain);
  };
  uint8_t done = 0;
  for (uint8_t r = 0; r < m.nrcpt; ++r) {
    if (done & (1u << r)) continue;
    Group g{idx, dest_of(m.rcpt[r]), 0, 0};
    for (uint8_t s = r; s < m.nrcpt; ++s) {
      if (dest_of(m.rcpt[s]) == g.dest) g.rids |= uint8_t(1u << s);
    }
    done |= g.rids;
    push_group(g.dest, g);
  }
}

}  // namespace gen
