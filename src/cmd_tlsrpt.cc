// STUB: replaced by the tlsrpt command.
#include <ostream>
#include "commands.h"
namespace mailtls {
int run_tlsrpt(const TlsrptOptions&, Streams io) {
  io.err << "mailtls tlsrpt: not implemented yet\n";
  return 2;
}
}  // namespace mailtls
