#include "cli/interrupts.h"

#include <pthread.h>
#include <unistd.h>

#include <cstring>
#include <ctime>
#include <string>

namespace mailtls {

namespace {

// Only async-signal-safe calls from here to _exit: other threads may hold any lock.
[[noreturn]] void discard_now(int signo) {
  const std::string text = std::string("mailtls ingest: interrupted (") + (signo == SIGTERM ? "SIGTERM" : "SIGINT") +
                           ") and not stopping: exiting at once; this run's rows were discarded (never "
                           "committed), the database is as it was before the run\n";
  [[maybe_unused]] ssize_t n = ::write(STDERR_FILENO, text.data(), text.size());
  ::_exit(128 + signo);
}

}  // namespace

Interrupts::Interrupts(std::chrono::milliseconds grace) : grace_(grace) {
  sigemptyset(&blocked_);
  sigaddset(&blocked_, SIGINT);
  sigaddset(&blocked_, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &blocked_, &previous_);
  watcher_ = std::thread([this] { watch(); });
}

Interrupts::~Interrupts() {
  quit_ = true;
  watcher_.join();
  // A signal still pending is taken here rather than delivered with its default action
  // once the mask is restored: the run it came in has ended.
  timespec none{0, 0};
  while (sigtimedwait(&blocked_, nullptr, &none) > 0) {
  }
  pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
}

bool Interrupts::begin_commit() {
  State expected = State::running;
  return state_.compare_exchange_strong(expected, State::committing);
}

void Interrupts::on_signal(int signo) {
  State expected = State::running;
  if (state_.compare_exchange_strong(expected, State::stopping)) {
    signal_ = signo;
    stopping_since_ = std::chrono::steady_clock::now();
    return;
  }
  if (expected == State::stopping) discard_now(signal_.load());  // a second signal
  // committing: the commit goes on; the driver says the rows were kept.
  if (signal_.load() == 0) signal_ = signo;
}

void Interrupts::watch() {
  const timespec tick{0, 100 * 1000 * 1000};
  while (!quit_.load()) {
    const int signo = sigtimedwait(&blocked_, nullptr, &tick);
    if (signo > 0) on_signal(signo);
    if (state_.load() == State::stopping && std::chrono::steady_clock::now() - stopping_since_ > grace_)
      discard_now(signal_.load());
  }
}

}  // namespace mailtls
