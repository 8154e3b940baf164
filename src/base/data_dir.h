// Finds the directory that holds grammars/ and locales/.
#pragma once

#include <filesystem>
#include <string>

namespace mailtls {

// Order: `flag` when not empty; $MAILTLS_DATA_DIR; <exe>/../share/mailtls; the source
// tree the binary was built from. The first that has a grammars/ directory wins.
std::filesystem::path resolve_data_dir(const std::string& flag);

}  // namespace mailtls
