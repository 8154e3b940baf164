// STUB: replaced by the check command.
#include <ostream>
#include "commands.h"
namespace mailtls {
int run_check(const CheckOptions&, Streams io) {
  io.err << "mailtls check: not implemented yet\n";
  return 2;
}
}  // namespace mailtls
