// The writer thread: order, synchronous calls, back-pressure, errors, early shutdown.
// Tiny limits make every batch boundary and the full-queue wait happen on a few jobs.
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <sqlite3.h>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>

#include "child_process.h"
#include "store/store.h"
#include "ingest/write_queue.h"

using namespace mailtls;
namespace fs = std::filesystem;

namespace {

using testing::TempDir;

Verdict plain_verdict(const Connection&) { return Verdict{}; }

Connection make_connection(Store& store, int64_t conn_id) {
  Connection c;
  c.id = store.new_connection_id();
  c.appliance = "esa1";
  c.conn_id = conn_id;
  c.log.push_back(LogLine{EventType::other, "line " + std::to_string(conn_id), "", {1, conn_id}, 0});
  return c;
}

constexpr WriteQueueLimits kTiny{2, 1 << 20, 1};

}  // namespace

TEST_CASE("the writer thread writes in order and a call sees every earlier write",
          "[store][write_queue]") {
  TempDir dir;
  Diagnostics diag;
  auto store = Store::open(dir.db(), Store::Mode::read_write, diag);
  REQUIRE(store);
  WriteQueue writes(*store, kTiny);
  std::vector<int64_t> ids;
  for (int64_t i = 1; i <= 50; ++i) {
    Connection c = make_connection(*store, i);
    ids.push_back(c.id);
    writes.put_connection(std::move(c), Verdict{});
    writes.put_unparsed(1, i, "junk");
  }
  Connection again = make_connection(*store, 999);
  again.id = ids.front();  // a rewrite: the later version must win
  writes.put_connection(std::move(again), Verdict{});

  std::optional<Connection> first, last;
  writes.call([&](Store& s) {
    first = s.load_connection(ids.front());
    last = s.load_connection(ids.back());
  });
  REQUIRE(first);
  REQUIRE(last);
  CHECK(first->conn_id == 999);
  CHECK(last->conn_id == 50);
  CHECK(store->new_connection_id() == ids.back() + 2);  // ids stay a plain sequence
  writes.call([](Store& s) { s.finish(plain_verdict); });
  CHECK_FALSE(diag.any_error());
}

TEST_CASE("the writer stores the verdict the driver decided, without classifying again",
          "[store][write_queue]") {
  TempDir dir;
  Diagnostics diag;
  auto store = Store::open(dir.db(), Store::Mode::read_write, diag);
  REQUIRE(store);
  {
    WriteQueue writes(*store, kTiny);
    Verdict decided;
    decided.outcome = Outcome::starttls_refused;
    decided.confidence = Confidence::high;
    decided.detail = "decided upstream";
    writes.put_connection(make_connection(*store, 7), std::move(decided));
    writes.call([](Store& s) { s.finish(plain_verdict); });
  }
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(dir.db().c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "SELECT tls_outcome, confidence, tls_detail FROM connections", -1, &st, nullptr) ==
          SQLITE_OK);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))) == "starttls-refused");
  CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 1))) == "high");
  CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 2))) == "decided upstream");
  sqlite3_finalize(st);
  sqlite3_close(db);
}

TEST_CASE("connections queued without an id are numbered in the order they are stored",
          "[store][write_queue]") {
  TempDir dir;
  Diagnostics diag;
  auto store = Store::open(dir.db(), Store::Mode::read_write, diag);
  REQUIRE(store);
  {
    WriteQueue writes(*store, kTiny);
    for (int64_t i = 1; i <= 20; ++i) {
      Connection c = make_connection(*store, 100 + i);
      c.id = 0;
      c.log.push_back(LogLine{EventType::other, "second line", "", {1, i}, 0});
      writes.put_connection(std::move(c), Verdict{});
    }
    writes.call([](Store& s) { s.finish(plain_verdict); });
  }
  CHECK_FALSE(diag.any_error());
  // In id order, the child rows were appended: the table's order is the key order.
  std::vector<std::pair<int64_t, int64_t>> order;
  sqlite3_stmt* q = nullptr;
  REQUIRE(sqlite3_prepare_v2(store->handle(),
                             "SELECT c.id, c.conn_id FROM connections c ORDER BY c.id", -1, &q,
                             nullptr) == SQLITE_OK);
  while (sqlite3_step(q) == SQLITE_ROW)
    order.emplace_back(sqlite3_column_int64(q, 0), sqlite3_column_int64(q, 1));
  sqlite3_finalize(q);
  REQUIRE(order.size() == 20);
  for (size_t i = 0; i < order.size(); ++i) CHECK(order[i].second == 101 + static_cast<int64_t>(i));
  auto again = store->load_connection(order.back().first);
  REQUIRE(again);
  CHECK(again->log.size() == 2);
}

TEST_CASE("an exception on the writer thread reaches the producer, and shutdown never hangs",
          "[store][write_queue]") {
  TempDir dir;
  Diagnostics diag;
  auto store = Store::open(dir.db(), Store::Mode::read_write, diag);
  REQUIRE(store);
  {
    WriteQueue writes(*store, kTiny);
    writes.post([](Store&) { throw std::runtime_error("disk on fire"); });
    // The producer learns of it on a later call at the latest, never blocks forever.
    CHECK_THROWS_WITH(
        [&] {
          for (int64_t i = 1; i <= 1000; ++i) writes.put_connection(make_connection(*store, i), Verdict{});
          writes.call([](Store&) {});
        }(),
        "disk on fire");
  }
  {
    WriteQueue writes(*store, kTiny);
    for (int64_t i = 1; i <= 100; ++i) writes.put_connection(make_connection(*store, i), Verdict{});
  }  // destroyed with jobs queued: dropped, joined
  SUCCEED();
}
