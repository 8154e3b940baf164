// The store, source bookkeeping: which logs were read, how far, and their fingerprints.
#include <sqlite3.h>

#include <ctime>

#include "base/fingerprint.h"
#include "store/store.h"
#include "store/store_statements.h"

namespace mailtls {

namespace {

void bind_source(sql::Stmt& s, const SourceRecord& r, int64_t ingested_at) {
  s.bind_text(1, r.path).bind_text(2, r.fingerprint).bind_int(3, r.fp_len);
  s.bind_int(4, r.bytes).bind_int(5, r.lines).bind_int(6, r.lines_parsed);
  s.bind_int(7, r.lines_unparsed).bind_text(8, r.appliance).bind_text(9, r.locale);
  s.bind_double(10, r.locale_confidence).bind_text(11, r.packaging).bind_int(12, ingested_at);
  s.bind_int(13, r.utc_offset);
}

SourceRecord read_source(const sql::Stmt& s) {
  SourceRecord r;
  r.id = s.int64(0);
  r.path = s.str(1);
  r.fingerprint = s.str(2);
  r.fp_len = s.int64(3);
  r.bytes = s.int64(4);
  r.lines = s.int64(5);
  r.lines_parsed = s.int64(6);
  r.lines_unparsed = s.int64(7);
  r.appliance = s.str(8);
  r.locale = s.str(9);
  r.locale_confidence = s.real(10);
  r.packaging = s.str(11);
  r.ingested_at = s.int64(12);
  r.utc_offset = s.int64(13);
  return r;
}

}  // namespace

std::optional<SourceRecord> Store::find_source(std::string_view head) {
  Statements& s = *stmts_;
  // Few distinct lengths exist (kFingerprintBytes for most logs, the size of each
  // smaller file): hash `head` once per length, longest first, so the most specific
  // match wins. An empty stored source would match every head, so length 0 only
  // matches an empty head.
  std::vector<int64_t> lengths;
  s.source_lengths.bind_int(1, static_cast<int64_t>(head.size()));
  while (s.source_lengths.row()) lengths.push_back(s.source_lengths.int64(0));
  for (int64_t len : lengths) {
    if (len == 0 && !head.empty()) continue;
    std::string fp = fingerprint(head.substr(0, static_cast<size_t>(len)));
    s.source_by_fingerprint.bind_text(1, fp).bind_int(2, len);
    if (s.source_by_fingerprint.row()) {
      SourceRecord r = read_source(s.source_by_fingerprint);
      s.source_by_fingerprint.reset();
      return r;
    }
  }
  return std::nullopt;
}

int64_t Store::add_source(const SourceRecord& r) {
  if (!writable("add_source")) return 0;
  Statements& s = *stmts_;
  bind_source(s.insert_source, r, r.ingested_at ? r.ingested_at : std::time(nullptr));
  s.execute(s.insert_source);
  return run_->failed ? 0 : sqlite3_last_insert_rowid(db_);
}

void Store::update_source(const SourceRecord& r) {
  if (!writable("update_source")) return;
  Statements& s = *stmts_;
  bind_source(s.update_source, r, r.ingested_at ? r.ingested_at : std::time(nullptr));
  s.update_source.bind_int(14, r.id);
  s.execute(s.update_source);
}

std::optional<SourceRecord> Store::source(int64_t id) {
  sql::Stmt& q = stmts_->get_source;
  q.bind_int(1, id);
  if (!q.row()) return std::nullopt;
  SourceRecord r = read_source(q);
  q.reset();
  return r;
}

}  // namespace mailtls
