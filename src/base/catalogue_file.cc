#include "base/catalogue_file.h"

namespace mailtls {

bool read_catalogue(const std::filesystem::path& path, std::string_view name, Diagnostics& diag,
                    const CatalogueEntry& entry) {
  toml::table root;
  try {
    root = toml::parse_file(path.string());
  } catch (const toml::parse_error& e) {
    diag.error(path.string(), -1, std::string("TOML: ") + std::string(e.description()), false);
    return false;
  }
  const toml::array* list = root[name].as_array();
  std::vector<std::string> errs;
  if (!list || list->empty()) errs.push_back("no [[" + std::string(name) + "]] entries");
  for (size_t i = 0; list && i < list->size(); ++i) {
    const std::string where = std::string(name) + "[" + std::to_string(i) + "]";
    if (const toml::table* t = (*list)[i].as_table())
      entry(*t, where, errs);
    else
      errs.push_back(where + ": not a table");
  }
  for (const std::string& e : errs) diag.error(path.string(), -1, e, false);
  return errs.empty();
}

}  // namespace mailtls
