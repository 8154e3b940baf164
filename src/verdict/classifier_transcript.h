// The transcript walker, the classifier's first witness: it follows one SMTP dialogue
// (hello, EHLO reply, STARTTLS and its reply, what the client did after TLS) and says how
// far TLS got and why it stopped, with the lines that show it. It knows nothing of the
// mail_logs lines; the classifier weighs both.
#pragma once

#include <string>
#include <vector>

#include "verdict/ehlo.h"
#include "model/model.h"

namespace mailtls {

// How far the dialogue went towards TLS.
enum class TxStage {
  none,             // no transcript, or no EHLO/HELO in it: it proves nothing
  helo_only,        // the client said HELO without trying EHLO: no extensions at all
  ehlo_rejected,    // EHLO answered 500/502/504
  masked,           // a firewall's SMTP inspection hid STARTTLS (X's, asterisks, 500)
  misordered,       // STARTTLS only on a line before the domain line
  not_offered,      // a well-formed EHLO reply without STARTTLS, and none was sent
  offered_unused,   // STARTTLS offered; the client went on without it
  offered_pending,  // STARTTLS offered; the transcript stops before the client's next step
  refused,          // STARTTLS answered with a reply other than 220
  no_reply,         // STARTTLS sent; the transcript ends with no reply
  accepted,         // 220 to STARTTLS; nothing after it (the handshake result is elsewhere)
  tls_dialogue,     // 220 to STARTTLS and the dialogue went on inside TLS
};

struct TranscriptFacts {
  TxStage stage = TxStage::none;
  std::string detail;              // the refusing / rejecting reply, when there is one
  std::vector<Evidence> evidence;  // the transcript lines that show the stage
  std::vector<Finding> findings;   // what happened after TLS (findings codes)
  EhloReply before, after;         // the EHLO replies before and after TLS
  bool has_after = false;          // a second EHLO was answered inside TLS
  bool starttls_sent = false;      // the client sent STARTTLS (whatever the answer)
};

// `evidence`: fill TranscriptFacts::evidence (the rest is the same either way).
TranscriptFacts analyse_transcript(const std::vector<TranscriptLine>& lines, bool evidence = true);

}  // namespace mailtls
