// Stage 6, the classifier: decides a connection's TLS outcome from its evidence, as
// specified in docs/tls-outcomes.md (precedence: the transcript decides the cause, the
// mail_logs TLS line confirms the result; a log line alone gives lower confidence).
// Pure: the same Connection always gives the same Verdict; no prose, only codes and
// evidence, which the explainer renders from locales/.
#pragma once

#include "model/model.h"

namespace mailtls {

struct ClassifyOptions {
  // Quote the lines that show the verdict (Verdict::evidence). `ingest` stores no
  // evidence (explain classifies again to quote it), so it classifies without.
  bool evidence = true;
};

Verdict classify(const Connection& connection, ClassifyOptions options = {});

// The verdict as the store keeps it: outcome, confidence, detail, findings, EHLO keywords;
// no evidence lines.
inline Verdict classify_for_store(const Connection& connection) {
  return classify(connection, ClassifyOptions{.evidence = false});
}

}  // namespace mailtls
