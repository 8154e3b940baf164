// The writer thread of an ingest: while the main thread parses, one thread makes every
// Store call, so parsing and storing overlap.
//
// Contract:
// - Every job runs on the writer thread, in the order it was queued; the Store is touched
//   by no other thread while the queue lives (except Store::new_*_id(), which is atomic).
// - A connection queued with id 0 gets the store's next id when its turn comes, so the
//   connections of a run are stored in id order and their child rows appended in key
//   order (log_events and transcript are keyed by (connection_id, seq)).
// - put_*() and post() return at once; call() runs its function after everything queued
//   before it and waits for it, so a read (find_source) sees every earlier write.
// - Bounded: jobs travel in batches, and at most `max_batches` wait, each of at most
//   `batch_items` jobs or about `batch_bytes` of payload; a full queue makes the producer
//   wait, so memory stays flat however far the parser runs ahead. Written batches go back
//   to the producer, which frees them on its next submit (where their memory came from),
//   so they take no time of the writer thread.
// - An exception thrown by a job stops the writer (later jobs are dropped) and is thrown
//   again to the producer by its next put/post/call, as if the write had been made there.
// - The destructor drops what is still queued and joins: a run that did not reach
//   Store::finish() is rolled back by the Store anyway.
// - Used by one producer thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <variant>
#include <vector>

#include "model/model.h"
#include "store/store.h"

namespace mailtls {

struct WriteQueueLimits {
  size_t batch_items = 256;
  size_t batch_bytes = size_t{1} << 20;
  size_t max_batches = 16;  // queued, besides the one being written and the one filling
};

class WriteQueue {
 public:
  using Task = std::function<void(Store&)>;

  explicit WriteQueue(Store& store, WriteQueueLimits limits = {});
  ~WriteQueue();
  WriteQueue(const WriteQueue&) = delete;
  WriteQueue& operator=(const WriteQueue&) = delete;

  // A finished connection with its verdict: the queue only carries what the driver
  // decided, so the writer thread (the one that bounds an ingest's speed) only writes.
  void put_connection(Connection&& c, Verdict&& v);
  void put_message(Message&& m);
  void put_unparsed(int64_t source_id, int64_t line_no, std::string_view text);
  void post(Task task);        // asynchronous; `task` must own what it uses
  void call(const Task& task); // synchronous; rethrows what `task` (or an earlier job) threw

 private:
  struct Unparsed {
    int64_t source_id = 0, line_no = 0;
    std::string text;
  };
  struct Posted {
    Task task;
    std::promise<void>* done = nullptr;  // set by call(), which waits on it
  };
  struct Classified {
    Connection connection;
    Verdict verdict;
  };
  using Job = std::variant<Classified, Message, Unparsed, Posted>;
  using Batch = std::vector<Job>;

  void push(Job&& job, size_t bytes);
  void submit();  // hands the filling batch to the writer, waiting while the queue is full
  void writer_loop();
  bool next_batch(Batch& batch);  // false when stopping
  void run_batch(Batch& batch);
  void run_job(Job& job);
  void fail_job(Job& job);  // the writer has stopped: tell a waiting call() why

  Store& store_;
  WriteQueueLimits limits_;
  Batch filling_;  // producer only
  size_t filling_bytes_ = 0;

  std::mutex mu_;
  std::condition_variable not_empty_, not_full_;
  std::deque<Batch> queued_;
  std::vector<Batch> spent_;  // written by the writer, to be freed by the producer
  bool stopping_ = false;
  std::exception_ptr error_;  // the first exception of a job; set by the writer
  std::thread writer_;        // last: starts once the members above exist
};

}  // namespace mailtls
