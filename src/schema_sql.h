// The store's schema, embedded from src/schema.sql and src/schema_indexes.sql at build time.
#pragma once

namespace mailtls {
extern const char* const kSchemaSql;
extern const char* const kSchemaIndexesSql;
inline constexpr int kSchemaVersion = 2;
}  // namespace mailtls
