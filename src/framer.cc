// STUB: replaced by the framer.
#include "framer.h"
namespace mailtls {
Framer::Framer(const Grammar& g, const Matcher& m, FramerOptions o, std::string n, Diagnostics& d)
    : grammar_(g), matcher_(m), options_(o), stream_name_(std::move(n)), diag_(d) {}
void Framer::feed(std::string_view, const Sink&) {}
void Framer::finish(const Sink&) {}
int month_number(std::string_view) { return 0; }
}  // namespace mailtls
