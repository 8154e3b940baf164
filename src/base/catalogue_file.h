// The frame shared by the catalogue loaders (keywords, references): one TOML file holding
// an array of tables `[[name]]`, each entry read and checked by the caller, every problem
// reported with the file, and the load refused when there is any.
#pragma once

#include <toml++/toml.h>

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/diagnostics.h"
#include "base/toml_position.h"

namespace mailtls {

// Calls `entry` for each table of the `[[name]]` array in `path`, with its place in the
// file ("name[3]") and the list to add problems to. Returns true when no problem was
// found (a file that does not parse, an empty array, a non-table entry, or what `entry`
// added); every problem has then been reported to `diag`.
using CatalogueEntry =
    std::function<void(const toml::table& t, const std::string& where, std::vector<std::string>& errs)>;
bool read_catalogue(const std::filesystem::path& path, std::string_view name, Diagnostics& diag,
                    const CatalogueEntry& entry);

}  // namespace mailtls
