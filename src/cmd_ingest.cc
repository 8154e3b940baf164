// STUB: replaced by the ingest driver.
#include <ostream>
#include "commands.h"
namespace mailtls {
int run_ingest(const IngestOptions&, Streams io) { io.err << "not implemented\n"; return 2; }
}  // namespace mailtls
