// STUB: replaced by the sessions builder.
#include "sessions.h"
namespace mailtls {
struct Sessions::State {};
Sessions::Sessions(SessionOptions o, SessionSink& s) : state_(new State), options_(o), sink_(s) {}
Sessions::~Sessions() = default;
void Sessions::on_event(const Event&, const LineInfo&) {}
void Sessions::finish_all() {}
size_t Sessions::open_connections() const { return 0; }
}  // namespace mailtls
