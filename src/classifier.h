// Stage 6, the classifier: decides a connection's TLS outcome from its evidence, as
// specified in docs/tls-outcomes.md (precedence: the transcript decides the cause, the
// mail_logs TLS line confirms the result; a log line alone gives lower confidence).
// Pure: the same Connection always gives the same Verdict; no prose, only codes and
// evidence, which the explainer renders from locales/.
#pragma once

#include "model.h"

namespace mailtls {

Verdict classify(const Connection& connection);

}  // namespace mailtls
