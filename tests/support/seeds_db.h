// A database of the sample seeds, written by the built binary, for the end-to-end tests.
#pragma once

#include "child_process.h"

namespace mailtls::testing {

// Ingests samples/seeds into `tmp`/s.db (once) and returns its path.
inline fs::path ingest_seeds(const TempDir& tmp) {
  const fs::path db = tmp.path / "s.db";
  if (fs::exists(db)) return db;
  REQUIRE(run({MAILTLS_BINARY, "ingest", "--db", db.string(), "--progress", "0", MAILTLS_SAMPLES_DIR "/seeds"},
              tmp.path / "ingest.log")
              .status == 0);
  return db;
}

}  // namespace mailtls::testing
