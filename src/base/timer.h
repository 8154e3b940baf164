// Where a run's time goes, phase by phase, for `ingest -v`. The driver carries one Timer in
// its context and hands it to each stage that has phases of its own (the store's finish),
// so timing is a table printed at the end rather than prints scattered in the code, and a
// progress line can listen to the phases as they begin. Each phase records wall time and CPU time (user + system) of the whole process
// and of the thread that ran it: the machine may be shared, so CPU is the figure that
// compares across runs, and the thread's share shows which side bounds the speed.
//
// Contract:
// - A disabled Timer records nothing; its listener, if any, still hears each phase begin.
// - Phases are recorded in the order they end; any thread may record (a mutex guards the
//   table); a phase is timed on the thread that started it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace mailtls {

class Timer {
 public:
  struct Instant {
    std::chrono::steady_clock::time_point wall;
    double process_cpu_ms = 0, thread_cpu_ms = 0;
    static Instant now();
  };
  struct Entry {
    std::string name;
    double wall_ms = -1, process_cpu_ms = -1, thread_cpu_ms = -1;  // -1: a count, not a phase
    int64_t count = 0;
  };

  // Times from its construction to its end (or to stop()), under `name`.
  class Phase {
   public:
    Phase(Timer& timer, std::string name);
    ~Phase() { stop(); }
    Phase(const Phase&) = delete;
    Phase& operator=(const Phase&) = delete;
    void stop();

   private:
    Timer* timer_;  // null once stopped, or when the timer records nothing
    std::string name_;
    Instant start_;
  };

  explicit Timer(bool enabled = false) : enabled_(enabled) {}
  bool enabled() const { return enabled_; }

  // Hears the name of each phase as it begins, on the thread that begins it.
  using Listener = std::function<void(const std::string& phase)>;
  void listen(Listener listener) { listener_ = std::move(listener); }

  Phase phase(std::string name) { return Phase(*this, std::move(name)); }
  void count(std::string name, int64_t value);  // a figure that explains a phase
  std::vector<Entry> entries() const;
  // The table printed by `ingest -v`: one line an entry, and the CPU of the process since
  // it started.
  std::string report() const;

 private:
  void add(Entry e);

  bool enabled_;
  Listener listener_;  // set before the phases that it should hear begin
  mutable std::mutex mu_;
  std::vector<Entry> entries_;
};

}  // namespace mailtls
