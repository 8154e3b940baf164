// SIGINT and SIGTERM during an ingest: the run stops reading, rolls back and says so,
// unless its commit has begun, in which case the commit goes on and the run is kept.
//
// The two signals are blocked in the thread that creates an Interrupts (and so in every
// thread it starts afterwards) and taken by a watcher thread of its own with
// sigtimedwait(): no signal handler ever runs in the middle of SQLite or malloc, and the
// driver only reads an atomic state. A run that does not stop within `grace` of the
// first signal (a lane blocked reading standard input), or a second signal while it is
// stopping, ends the process with _exit: its transaction was never committed, so the
// database is left as before the run, exactly as after SIGKILL (tested).
#pragma once

#include <atomic>
#include <chrono>
#include <csignal>
#include <thread>

namespace mailtls {

class Interrupts {
 public:
  explicit Interrupts(std::chrono::milliseconds grace = std::chrono::seconds(10));
  ~Interrupts();  // stops the watcher and restores the signal mask
  Interrupts(const Interrupts&) = delete;
  Interrupts& operator=(const Interrupts&) = delete;

  // A signal came before the commit began: the run must stop and be discarded.
  bool stop_requested() const { return state_.load() == State::stopping; }
  // Called just before the commit: true (and from now on signals wait for the commit to
  // end) unless a signal came first.
  bool begin_commit();
  int signal() const { return signal_.load(); }  // 0, SIGINT or SIGTERM

 private:
  enum class State { running, stopping, committing };
  void watch();
  void on_signal(int signo);
  std::atomic<State> state_{State::running};
  std::atomic<int> signal_{0};
  std::atomic<bool> quit_{false};
  std::chrono::milliseconds grace_;
  std::chrono::steady_clock::time_point stopping_since_{};
  sigset_t blocked_{}, previous_{};
  std::thread watcher_;
};

}  // namespace mailtls
