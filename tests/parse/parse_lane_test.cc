// Parse lanes: one input framed and matched on a thread of its own, handed over in
// batches whose records own their text, and the peek that orders the lanes of a run.
#include "parse/parse_lane.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>

#include "child_process.h"
#include "shipped_data.h"

namespace fs = std::filesystem;
using namespace mailtls;

namespace {

LaneSetup small_lane_setup() {
  LaneSetup s;
  s.grammar = &testing::shipped_grammar();
  s.localizer = &testing::shipped_localizer();
  s.batch_bytes = 2048;  // small, so a few hundred lines span many batches
  s.queue_batches = 2;
  return s;
}

std::string numbered_log(int from, int count) {
  std::string text;
  for (int i = from; i < from + count; ++i)
    text += "Wed Sep  6 13:" + std::string(i % 60 < 10 ? "0" : "") + std::to_string(i % 60) +
            ":00 2023 Info: ICID " + std::to_string(i) + " close\n";
  return text;
}

int64_t utc(int year, int month, int day, int h, int m, int s) {
  std::tm t{};
  t.tm_year = year - 1900, t.tm_mon = month - 1, t.tm_mday = day, t.tm_hour = h, t.tm_min = m, t.tm_sec = s;
  return timegm(&t);
}

}  // namespace

TEST_CASE("a lane hands over every record of its stream, in order, with text and fields it owns", "[lane]") {
  testing::TempDir tmp;
  const std::string unknown = "Wed Sep  6 14:00:00 2023 Info: a line no grammar knows";
  const std::string text = numbered_log(0, 300) + unknown + "\n";
  testing::write_file(tmp.path / "mail.current", text);
  const LaneSetup setup = small_lane_setup();
  ParseLane lane({(tmp.path / "mail.current").string(), 0}, setup);

  LaneItem item = lane.next();
  REQUIRE(item.kind == LaneItem::Kind::opening);
  CHECK(item.opening->head == text.substr(0, 4096));
  CHECK(item.opening->locale.lang == "en");
  lane.answer(StreamPlan{});

  std::vector<std::string> ids;
  int batches = 0, unmatched = 0;
  for (item = lane.next(); item.kind == LaneItem::Kind::batch; item = lane.next()) {
    ++batches;
    for (const ParsedRecord& r : item.batch->records) {
      if (!r.matched) {
        ++unmatched;
        CHECK(r.text == unknown);
        CHECK(r.line_no == 301);
        continue;
      }
      CHECK(r.event.type == EventType::icid_close);
      ids.emplace_back(r.event.field(slot::id));
    }
    lane.recycle(std::move(item.batch));
  }
  CHECK(batches > 5);
  CHECK(unmatched == 1);
  REQUIRE(ids.size() == 300);
  for (int i = 0; i < 300; ++i) CHECK(ids[static_cast<size_t>(i)] == std::to_string(i));
  REQUIRE(item.kind == LaneItem::Kind::closing);
  CHECK(item.closing->lines == 301);
  CHECK(item.closing->unparsed == 1);
  CHECK(item.closing->complete_bytes == static_cast<int64_t>(text.size()));
  CHECK(lane.next().kind == LaneItem::Kind::done);
  CHECK(lane.bytes() == text.size());
}

TEST_CASE("a lane reads on from the byte and line number the driver answers", "[lane]") {
  testing::TempDir tmp;
  const std::string first = numbered_log(0, 100), more = numbered_log(100, 5);
  testing::write_file(tmp.path / "mail.current", first + more);
  const LaneSetup setup = small_lane_setup();
  ParseLane lane({(tmp.path / "mail.current").string(), 0}, setup);
  REQUIRE(lane.next().kind == LaneItem::Kind::opening);
  lane.answer(StreamPlan{static_cast<int64_t>(first.size()), 101});
  std::vector<int64_t> lines;
  LaneItem item = lane.next();
  for (; item.kind == LaneItem::Kind::batch; item = lane.next())
    for (const ParsedRecord& r : item.batch->records) lines.push_back(r.line_no);
  CHECK(lines == std::vector<int64_t>{101, 102, 103, 104, 105});
  REQUIRE(item.kind == LaneItem::Kind::closing);
  CHECK(item.closing->lines == 5);
}

TEST_CASE("a lane the driver abandons stops and joins without hanging", "[lane]") {
  testing::TempDir tmp;
  testing::write_file(tmp.path / "mail.current", numbered_log(0, 5000));
  const LaneSetup setup = small_lane_setup();
  {
    ParseLane waiting_for_answer({(tmp.path / "mail.current").string(), 0}, setup);
    REQUIRE(waiting_for_answer.next().kind == LaneItem::Kind::opening);
  }
  {
    ParseLane with_full_queue({(tmp.path / "mail.current").string(), 0}, setup);
    REQUIRE(with_full_queue.next().kind == LaneItem::Kind::opening);
    with_full_queue.answer(StreamPlan{});
    CHECK(with_full_queue.next().kind == LaneItem::Kind::batch);
  }
  SUCCEED("both lanes were destroyed mid-stream");
}

TEST_CASE("an empty input gives a closing without an opening, and a warning", "[lane]") {
  testing::TempDir tmp;
  testing::write_file(tmp.path / "empty.log", "");
  const LaneSetup setup = small_lane_setup();
  ParseLane lane({(tmp.path / "empty.log").string(), 0}, setup);
  LaneItem item = lane.next();
  REQUIRE(item.kind == LaneItem::Kind::closing);
  CHECK_FALSE(item.closing->opened);
  CHECK(item.closing->note == "empty");
  CHECK(lane.next().kind == LaneItem::Kind::done);
  REQUIRE(lane.diagnostics().size() == 1);
  CHECK(lane.diagnostics().all()[0].format().find("empty") != std::string::npos);
}

TEST_CASE("the first dated record of an input is found in plain, gzip and tar inputs", "[lane]") {
  testing::TempDir tmp;
  const std::string log = "# a pasted note\nno time here\n" + numbered_log(7, 3);
  testing::write_file(tmp.path / "a.log", log);
  testing::write_file(tmp.path / "b.log", numbered_log(20, 2));
  testing::write_file(tmp.path / "undated.log", "no time here\n");
  REQUIRE(std::system(("cd " + tmp.path.string() + " && gzip -k a.log && tar -czf both.tgz b.log a.log").c_str()) == 0);
  const LaneSetup setup = small_lane_setup();
  const int64_t seven = utc(2023, 9, 6, 13, 7, 0);
  CHECK(first_record_time({(tmp.path / "a.log").string(), 0}, setup) == seven);
  CHECK(first_record_time({(tmp.path / "a.log.gz").string(), 0}, setup) == seven);
  CHECK(first_record_time({(tmp.path / "both.tgz").string(), 0}, setup) == utc(2023, 9, 6, 13, 20, 0));
  CHECK(first_record_time({(tmp.path / "undated.log").string(), 0}, setup) == 0);
  CHECK(first_record_time({(tmp.path / "missing.log").string(), 0}, setup) == 0);
}
