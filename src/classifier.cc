// STUB: replaced by the classifier.
#include "classifier.h"
namespace mailtls {
Verdict classify(const Connection&) { return {}; }
}  // namespace mailtls
