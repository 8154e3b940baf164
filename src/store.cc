// STUB: replaced by the SQLite store.
#include "store.h"
namespace mailtls {
struct Store::Statements {};
std::unique_ptr<Store> Store::open(const std::string&, Mode, Diagnostics& diag, int) {
  diag.error("", -1, "store not implemented");
  return nullptr;
}
Store::~Store() = default;
std::optional<SourceRecord> Store::find_source(std::string_view) { return std::nullopt; }
int64_t Store::add_source(const SourceRecord&) { return 0; }
void Store::update_source(const SourceRecord&) {}
std::optional<SourceRecord> Store::source(int64_t) { return std::nullopt; }
int64_t Store::new_connection_id() { return next_connection_id_++; }
int64_t Store::new_message_id() { return next_message_id_++; }
void Store::put_connection(const Connection&, const Verdict&) {}
void Store::put_message(const Message&) {}
void Store::put_unparsed(int64_t, int64_t, std::string_view) {}
int64_t Store::reconcile(const Classify&, int64_t) { return 0; }
void Store::finish(const Classify&) {}
std::optional<Connection> Store::load_connection(int64_t) { return std::nullopt; }
std::vector<int64_t> Store::find_connections(std::string_view, Direction, int64_t) { return {}; }
std::optional<Message> Store::load_message(int64_t) { return std::nullopt; }
}  // namespace mailtls
