// STUB: replaced by the reader implementation.
#include "reader.h"
namespace mailtls {
std::vector<InputItem> expand_inputs(const std::vector<std::string>& args, Diagnostics&) {
  std::vector<InputItem> out;
  for (auto& a : args) out.push_back({a, 0});
  return out;
}
void read_input(const InputItem&, const ReaderOptions&, Diagnostics& diag,
                const std::function<void(LogStream&)>&) {
  diag.error("", -1, "reader not implemented");
}
}  // namespace mailtls
