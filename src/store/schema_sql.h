// The store's schema, embedded at build time from src/store/schema.sql (tables),
// src/store/schema_indexes.sql (indexes created when a run begins),
// src/store/schema_indexes_after_load.sql (indexes built when it finishes) and
// src/store/migrations/<v>.sql, each of which takes a database from version v - 1 to v.
#pragma once

#include <cstdint>

namespace mailtls {
extern const char* const kSchemaSql;
extern const char* const kSchemaIndexesSql;
extern const char* const kSchemaLateIndexesSql;
// The version schema.sql creates: the number of the last migration file (CMake checks
// that they are numbered 2, 3, ... without a gap).
extern const int64_t kSchemaVersion;
// kMigrations[v - 1] is migrations/<v + 1>.sql; kSchemaVersion - 1 of them.
extern const char* const kMigrations[];
}  // namespace mailtls
