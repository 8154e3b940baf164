// STUB: replaced by the matcher.
#include "matcher.h"
namespace mailtls {
Matcher::Matcher(const Grammar& g) : grammar_(g) {}
bool Matcher::match(std::string_view, Event&) const { return false; }
bool Matcher::has_token_for(std::string_view) const { return false; }
}  // namespace mailtls
