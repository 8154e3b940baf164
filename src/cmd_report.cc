// STUB: replaced by the report command.
#include <ostream>
#include "commands.h"
namespace mailtls {
int run_report(const ReportOptions&, Streams io) {
  io.err << "mailtls report: not implemented yet\n";
  return 2;
}
}  // namespace mailtls
