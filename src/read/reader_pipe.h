// A LogStream whose bytes are produced on a thread of its own.
//
// The producer fills chunks from a ChunkSource; at most `queue_chunks` filled chunks wait
// for the consumer, plus the one it is reading, so memory stays flat whatever the input.
// Chunks are recycled, not reallocated. Destroying the stream before its end (the consumer
// stopped early) requests a stop and joins the producer: no thread outlives the stream.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "base/diagnostics.h"
#include "read/reader.h"
#include "read/reader_decode.h"

namespace mailtls {

struct StreamInfo {
  std::string name;
  std::string packaging;
  int64_t mtime = 0;
};

class ThreadedStream : public LogStream {
 public:
  // `stop` is shared with whatever may block inside `source` (a pipe being polled).
  ThreadedStream(StreamInfo info, ChunkSource& source, const ReaderOptions& options,
                 Diagnostics& diag, std::stop_source stop = {});
  ~ThreadedStream() override;
  ThreadedStream(const ThreadedStream&) = delete;
  ThreadedStream& operator=(const ThreadedStream&) = delete;

  const std::string& name() const override { return info_.name; }
  std::string_view read() override;
  uint64_t position() const override { return position_; }
  uint64_t disk_position() const override { return disk_position_; }
  std::string_view packaging() const override { return info_.packaging; }
  int64_t mtime() const override { return info_.mtime; }
  bool cut() const override;
  std::optional<uint64_t> unverified_from() const override;

 private:
  struct Filled {
    size_t index;
    size_t size;
    uint64_t disk;  // the source's disk_offset() after filling it
  };

  void produce(std::stop_token stop);
  bool produce_one(std::stop_token stop);

  StreamInfo info_;
  ChunkSource& source_;
  Diagnostics& diag_;
  size_t chunk_bytes_;
  std::vector<std::unique_ptr<char[]>> chunks_;  // allocated when first needed
  mutable std::mutex mu_;
  std::condition_variable_any cv_;
  std::vector<size_t> free_;
  std::deque<Filled> filled_;
  bool producer_done_ = false;
  bool cut_ = false;  // the source's cut(), taken by the producer when it ends
  std::optional<uint64_t> unverified_from_;  // and its unverified_from()
  long held_ = -1;  // the chunk the consumer's last view points into
  uint64_t position_ = 0;
  uint64_t disk_position_ = 0;
  std::stop_source stop_;
  std::thread thread_;  // last: starts once everything above exists
};

}  // namespace mailtls
