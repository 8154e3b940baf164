// The store, finishing a run: the buffered rows, the indexes left for after the load,
// reconcile, and the commit (or the rollback of a run that failed).
#include <sys/resource.h>

#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "store/store.h"
#include "store/store_statements.h"

namespace mailtls {

namespace {

// Wall and CPU time (user + system, every thread of the process) at one instant, for the
// MAILTLS_TIMING report of the finish phases: the machine is shared, so CPU is the
// figure that compares across runs.
struct Stamp {
  std::chrono::steady_clock::time_point wall = std::chrono::steady_clock::now();
  double cpu = cpu_ms(RUSAGE_SELF);
  // This thread's alone: in an ingest, the writer's (finish runs on it).
  double thread_cpu = cpu_ms(RUSAGE_THREAD);
  static double cpu_ms(int who) {
    rusage u{};
    getrusage(who, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3 +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-3;
  }
};

std::string elapsed(const Stamp& a, const Stamp& b) {
  char text[64];
  std::snprintf(text, sizeof text, "%.0f ms (%.0f ms CPU)",
                std::chrono::duration<double, std::milli>(b.wall - a.wall).count(), b.cpu - a.cpu);
  return text;
}

}  // namespace

void Store::finish(const Classify& classify, const CommitGate& may_commit, const PhaseReport& on_phase) {
  if (mode_ == Mode::read_only || finished_) return;
  Statements& s = *stmts_;
  const bool timing = std::getenv("MAILTLS_TIMING") != nullptr;
  const Stamp t0;
  s.flush_all();
  const Stamp t1;
  auto phase = [&](const char* what) {
    if (on_phase) on_phase(what);
  };
  phase("building indexes");
  if (!run_->failed) s.build_indexes();
  const Stamp t2;
  phase("reconciling connections cut across inputs");
  const int64_t merged = run_->failed ? 0 : reconcile(classify);
  s.flush_all();
  const Stamp t3;
  finished_ = true;
  if (timing)
    std::fprintf(stderr,
                 "finish: %.0f ms CPU before finish, %.0f ms of it on the finishing thread;"
                 " flush %s, indexes %s, reconcile %s (%lld pieces merged)\n",
                 t0.cpu, t0.thread_cpu, elapsed(t0, t1).c_str(), elapsed(t1, t2).c_str(), elapsed(t2, t3).c_str(),
                 static_cast<long long>(merged));
  if (run_->failed || (may_commit && !may_commit())) {
    s.db.exec("ROLLBACK");
    return;
  }
  std::string error;
  const Stamp t4;
  phase("committing");
  committing_ = true;
  const int commit_rc = s.db.exec("COMMIT", &error);
  // Readers and later runs use WAL; if another connection keeps the switch from
  // happening now, the next run makes it (set_write_pragmas).
  if (commit_rc == SQLITE_OK && run_->fresh) s.db.exec("PRAGMA journal_mode=WAL");
  committing_ = false;
  committed_ = commit_rc == SQLITE_OK;
  if (timing) std::fprintf(stderr, "finish: commit %s\n", elapsed(t4, Stamp()).c_str());
  if (commit_rc != SQLITE_OK) {
    diag_->error(run_->path, -1, "cannot commit this run: " + quote(error) +
                                 "; nothing of this run was kept");
    s.db.exec("ROLLBACK");
  }
}

}  // namespace mailtls
