// STUB: replaced by the summary command.
#include <ostream>
#include "commands.h"
namespace mailtls {
int run_summary(const SummaryOptions&, Streams io) {
  io.err << "mailtls summary: not implemented yet\n";
  return 2;
}
}  // namespace mailtls
