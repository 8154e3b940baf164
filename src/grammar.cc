// STUB: replaced by the grammar loader.
#include "grammar.h"
namespace mailtls {
std::unique_ptr<Grammar> Grammar::load(const std::filesystem::path&, Diagnostics& diag) {
  diag.error("", -1, "grammar loader not implemented");
  return nullptr;
}
bool Grammar::self_test(Diagnostics&) const { return false; }
}  // namespace mailtls
