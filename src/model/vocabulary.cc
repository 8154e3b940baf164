#include "model/vocabulary.h"

#include <ostream>

namespace mailtls {

std::ostream& operator<<(std::ostream& out, Outcome o) { return out << outcome_name(o); }
std::ostream& operator<<(std::ostream& out, FindingCode f) { return out << finding_name(f); }
std::ostream& operator<<(std::ostream& out, DeliveryResult r) {
  return out << delivery_result_name(r);
}
std::ostream& operator<<(std::ostream& out, EvidenceRole r) {
  return out << evidence_role_name(r);
}
std::ostream& operator<<(std::ostream& out, Confidence c) { return out << confidence_name(c); }

}  // namespace mailtls
