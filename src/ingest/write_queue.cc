#include "ingest/write_queue.h"

#include <utility>

namespace mailtls {
namespace {

// Rough heap sizes, only to bound the queue's memory: a connection held open by a long
// debug transcript can weigh a thousand times a plain one.
size_t payload(const Connection& c) {
  size_t n = sizeof c + c.appliance.size() + c.peer_ip.size() + c.peer_host.size() +
             c.domain.size() + c.tls_protocol.size() + c.tls_cipher.size();
  for (const LogLine& l : c.log) n += sizeof l + l.text.size() + l.detail.size();
  for (const TranscriptLine& t : c.transcript) n += sizeof t + t.text.size();
  for (const Delivery& d : c.deliveries) n += sizeof d + d.response.size();
  return n;
}

size_t payload(const Message& m) {
  size_t n = sizeof m + m.appliance.size() + m.mail_from.size() + m.subject.size() +
             m.message_id.size();
  for (const Recipient& r : m.recipients) n += sizeof r + r.address.size();
  return n;
}

}  // namespace

WriteQueue::WriteQueue(Store& store, WriteQueueLimits limits)
    : store_(store), limits_(limits),
      writer_([this] { writer_loop(); }) {
  filling_.reserve(limits_.batch_items);
}

WriteQueue::~WriteQueue() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    queued_.clear();  // nobody waits on them: call() only returns once its job ran
  }
  not_empty_.notify_one();
  writer_.join();
}

void WriteQueue::put_connection(Connection&& c, Verdict&& v) {
  const size_t bytes = payload(c);
  push(Classified{std::move(c), std::move(v)}, bytes);
}

void WriteQueue::put_message(Message&& m) {
  const size_t bytes = payload(m);
  push(std::move(m), bytes);
}

void WriteQueue::put_unparsed(int64_t source_id, int64_t line_no, std::string_view text) {
  push(Unparsed{source_id, line_no, std::string(text)}, sizeof(Unparsed) + text.size());
}

void WriteQueue::post(Task task) { push(Posted{std::move(task)}, sizeof(Posted)); }

void WriteQueue::call(const Task& task) {
  std::promise<void> done;
  std::future<void> result = done.get_future();
  filling_.emplace_back(Posted{task, &done});
  submit();  // now: the caller waits for it anyway
  result.get();
}

void WriteQueue::push(Job&& job, size_t bytes) {
  filling_.push_back(std::move(job));
  filling_bytes_ += bytes;
  if (filling_.size() >= limits_.batch_items || filling_bytes_ >= limits_.batch_bytes) submit();
}

void WriteQueue::submit() {
  std::vector<Batch> spent;
  {
    std::unique_lock lock(mu_);
    not_full_.wait(lock, [&] { return queued_.size() < limits_.max_batches || error_; });
    if (error_) {
      filling_.clear();
      filling_bytes_ = 0;
      std::rethrow_exception(error_);
    }
    queued_.push_back(std::move(filling_));
    spent.swap(spent_);
  }
  not_empty_.notify_one();
  // The written batches are freed here, where their strings were allocated, and one of
  // them is filled again.
  filling_ = spent.empty() ? Batch() : std::move(spent.back());
  filling_.clear();
  filling_.reserve(limits_.batch_items);
  filling_bytes_ = 0;
}

void WriteQueue::writer_loop() {
  Batch batch;
  while (next_batch(batch)) {
    run_batch(batch);
    std::lock_guard lock(mu_);
    spent_.push_back(std::move(batch));
    batch = Batch();
  }
}

bool WriteQueue::next_batch(Batch& batch) {
  {
    std::unique_lock lock(mu_);
    not_empty_.wait(lock, [&] { return !queued_.empty() || stopping_; });
    if (queued_.empty()) return false;
    batch = std::move(queued_.front());
    queued_.pop_front();
  }
  not_full_.notify_one();
  return true;
}

void WriteQueue::run_batch(Batch& batch) {
  for (Job& job : batch) {
    if (error_) {  // only this thread writes error_, so reading it here needs no lock
      fail_job(job);
      continue;
    }
    try {
      run_job(job);
    } catch (...) {
      {
        std::lock_guard lock(mu_);
        error_ = std::current_exception();
      }
      not_full_.notify_one();  // a producer waiting for room must hear of it
      fail_job(job);
    }
  }
}

void WriteQueue::run_job(Job& job) {
  if (auto* c = std::get_if<Classified>(&job)) {
    if (c->connection.id == 0) c->connection.id = store_.new_connection_id();
    store_.put_connection(c->connection, c->verdict);
  } else if (auto* m = std::get_if<Message>(&job)) {
    store_.put_message(*m);
  } else if (auto* u = std::get_if<Unparsed>(&job)) {
    store_.put_unparsed(u->source_id, u->line_no, u->text);
  } else {
    Posted& p = std::get<Posted>(job);
    p.task(store_);
    if (p.done) p.done->set_value();
  }
}

void WriteQueue::fail_job(Job& job) {
  if (auto* p = std::get_if<Posted>(&job); p && p->done) p->done->set_exception(error_);
}

}  // namespace mailtls
