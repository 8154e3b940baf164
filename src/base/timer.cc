#include "base/timer.h"

#include <sys/resource.h>

#include <cstdio>

namespace mailtls {

namespace {

double cpu_ms(int who) {
  rusage u{};
  getrusage(who, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3 +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-3;
}

}  // namespace

Timer::Instant Timer::Instant::now() {
  return Instant{std::chrono::steady_clock::now(), cpu_ms(RUSAGE_SELF), cpu_ms(RUSAGE_THREAD)};
}

Timer::Phase::Phase(Timer& timer, std::string name)
    : timer_(timer.enabled() ? &timer : nullptr), name_(std::move(name)) {
  if (timer.listener_) timer.listener_(name_);
  if (timer_) start_ = Instant::now();
}

void Timer::Phase::stop() {
  if (!timer_) return;
  const Instant end = Instant::now();
  Entry e;
  e.name = std::move(name_);
  e.wall_ms = std::chrono::duration<double, std::milli>(end.wall - start_.wall).count();
  e.process_cpu_ms = end.process_cpu_ms - start_.process_cpu_ms;
  e.thread_cpu_ms = end.thread_cpu_ms - start_.thread_cpu_ms;
  timer_->add(std::move(e));
  timer_ = nullptr;
}

void Timer::count(std::string name, int64_t value) {
  if (!enabled_) return;
  Entry e;
  e.name = std::move(name);
  e.count = value;
  add(std::move(e));
}

void Timer::add(Entry e) {
  std::lock_guard lock(mu_);
  entries_.push_back(std::move(e));
}

std::vector<Timer::Entry> Timer::entries() const {
  std::lock_guard lock(mu_);
  return entries_;
}

std::string Timer::report() const {
  std::string out;
  char line[160];
  std::snprintf(line, sizeof line, "%-34s %10s %10s %10s\n", "phase", "wall ms", "CPU ms", "thread ms");
  out += line;
  for (const Entry& e : entries()) {
    if (e.wall_ms < 0)
      std::snprintf(line, sizeof line, "%-34s %10lld\n", e.name.c_str(), static_cast<long long>(e.count));
    else
      std::snprintf(line, sizeof line, "%-34s %10.0f %10.0f %10.0f\n", e.name.c_str(), e.wall_ms, e.process_cpu_ms,
                    e.thread_cpu_ms);
    out += line;
  }
  std::snprintf(line, sizeof line, "%-34s %10s %10.0f\n", "process CPU since start", "", cpu_ms(RUSAGE_SELF));
  out += line;
  return out;
}

}  // namespace mailtls
