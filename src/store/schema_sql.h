// The store's schema, embedded at build time from src/schema.sql (tables),
// src/schema_indexes.sql (indexes created when a run begins) and
// src/schema_indexes_after_load.sql (indexes built when it finishes).
#pragma once

namespace mailtls {
extern const char* const kSchemaSql;
extern const char* const kSchemaIndexesSql;
extern const char* const kSchemaLateIndexesSql;
inline constexpr int kSchemaVersion = 2;
}  // namespace mailtls
