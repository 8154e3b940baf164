// STUB: replaced by the explain command.
#include <ostream>
#include "commands.h"
namespace mailtls {
int run_explain(const ExplainOptions&, Streams io) {
  io.err << "mailtls explain: not implemented yet\n";
  return 2;
}
}  // namespace mailtls
