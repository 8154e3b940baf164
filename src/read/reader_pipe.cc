#include "read/reader_pipe.h"

#include <algorithm>

namespace mailtls {

ThreadedStream::ThreadedStream(StreamInfo info, ChunkSource& source, const ReaderOptions& options,
                               Diagnostics& diag, std::stop_source stop)
    : info_(std::move(info)),
      source_(source),
      diag_(diag),
      chunk_bytes_(std::max<size_t>(options.chunk_bytes, 1)),
      chunks_(std::max<size_t>(options.queue_chunks, 1) + 1),
      stop_(std::move(stop)) {
  for (size_t i = chunks_.size(); i-- > 0;) free_.push_back(i);
  thread_ = std::thread([this] { produce(stop_.get_token()); });
}

ThreadedStream::~ThreadedStream() {
  stop_.request_stop();  // wakes the producer if it waits for a free chunk
  thread_.join();
}

void ThreadedStream::produce(std::stop_token stop) {
  try {
    while (produce_one(stop)) {
    }
  } catch (const std::exception& e) {
    // Decoders report their own damage; this is only for the unexpected (bad_alloc).
    diag_.error(info_.name, -1, std::string("reader failed: ") + e.what());
  }
  const bool cut = source_.cut();
  const std::optional<uint64_t> unverified = source_.unverified_from();
  {
    std::lock_guard lock(mu_);
    producer_done_ = true;
    cut_ = cut;
    unverified_from_ = unverified;
  }
  cv_.notify_all();
}

bool ThreadedStream::cut() const {
  std::lock_guard lock(mu_);
  return cut_;
}

std::optional<uint64_t> ThreadedStream::unverified_from() const {
  std::lock_guard lock(mu_);
  return unverified_from_;
}

// Fills one chunk; false at the end of the source or when asked to stop.
bool ThreadedStream::produce_one(std::stop_token stop) {
  size_t index;
  {
    std::unique_lock lock(mu_);
    if (!cv_.wait(lock, stop, [&] { return !free_.empty(); })) return false;
    index = free_.back();
    free_.pop_back();
  }
  auto& chunk = chunks_[index];
  if (!chunk) chunk.reset(new char[chunk_bytes_]);  // uninitialised: pages stay untouched
  size_t n = source_.fill(chunk.get(), chunk_bytes_);
  const uint64_t disk = source_.disk_offset();
  {
    std::lock_guard lock(mu_);
    if (n > 0)
      filled_.push_back({index, n, disk});
    else
      free_.push_back(index);
  }
  cv_.notify_all();
  return n == chunk_bytes_ && !stop.stop_requested();
}

std::string_view ThreadedStream::read() {
  std::unique_lock lock(mu_);
  if (held_ >= 0) {
    free_.push_back(static_cast<size_t>(held_));
    held_ = -1;
    cv_.notify_all();
  }
  cv_.wait(lock, [&] { return !filled_.empty() || producer_done_; });
  if (filled_.empty()) return {};
  Filled f = filled_.front();
  filled_.pop_front();
  held_ = static_cast<long>(f.index);
  position_ += f.size;
  disk_position_ = f.disk;
  return {chunks_[f.index].get(), f.size};
}

}  // namespace mailtls
