// The store, finishing a run: the buffered rows, the indexes left for after the load,
// reconcile, and the commit (or the rollback of a run that failed).
#include <sqlite3.h>

#include "store/store.h"
#include "store/store_statements.h"

namespace mailtls {

void Store::finish(const Classify& classify, const CommitGate& may_commit) {
  Timer untimed;
  finish(classify, may_commit, untimed);
}

void Store::finish(const Classify& classify, const CommitGate& may_commit, Timer& timer) {
  if (mode_ == Mode::read_only || finished_) return;
  Statements& s = *stmts_;
  {
    auto phase = timer.phase("writing the last rows");
    s.flush_all();
  }
  if (!run_->failed) {
    auto phase = timer.phase("building indexes");
    s.build_indexes();
  }
  {
    auto phase = timer.phase("reconciling connections cut across inputs");
    const int64_t merged = run_->failed ? 0 : reconcile(classify);
    s.flush_all();
    phase.stop();
    timer.count("pieces merged by reconciling", merged);
  }
  finished_ = true;
  if (run_->failed || (may_commit && !may_commit())) {
    s.db.exec("ROLLBACK");
    return;
  }
  std::string error;
  auto commit_phase = timer.phase("committing");
  committing_ = true;
  const int commit_rc = s.db.exec("COMMIT", &error);
  // Readers and later runs use WAL; if another connection keeps the switch from
  // happening now, the next run makes it (set_write_pragmas).
  if (commit_rc == SQLITE_OK && run_->fresh) s.db.exec("PRAGMA journal_mode=WAL");
  committing_ = false;
  committed_ = commit_rc == SQLITE_OK;
  commit_phase.stop();
  if (commit_rc != SQLITE_OK) {
    diag_->error(run_->path, -1, "cannot commit this run: " + quote(error) +
                                 "; nothing of this run was kept");
    s.db.exec("ROLLBACK");
  }
}

}  // namespace mailtls
