// STUB: replaced by the query command.
#include <ostream>
#include "commands.h"
namespace mailtls {
int run_query(const QueryOptions&, Streams io) {
  io.err << "mailtls query: not implemented yet\n";
  return 2;
}
}  // namespace mailtls
