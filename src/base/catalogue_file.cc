#include "base/catalogue_file.h"

namespace mailtls {

bool read_catalogue(const std::filesystem::path& path, std::string_view name, Diagnostics& diag,
                    const CatalogueEntry& entry) {
  toml::table root;
  try {
    root = toml::parse_file(path.string());
  } catch (const toml::parse_error& e) {
    diag.problem(path.string(), "TOML: " + std::string(e.description()), position_of(e.source()));
    return false;
  }
  const toml::array* list = root[name].as_array();
  bool ok = true;
  if (!list || list->empty()) {
    diag.problem(path.string(), "no [[" + std::string(name) + "]] entries");
    return false;
  }
  for (size_t i = 0; i < list->size(); ++i) {
    const std::string where = std::string(name) + "[" + std::to_string(i) + "]";
    // Each problem of an entry points at the entry's place in the file.
    std::vector<std::string> errs;
    const toml::node& item = *list->get(i);
    if (const toml::table* t = item.as_table())
      entry(*t, where, errs);
    else
      errs.push_back(where + ": not a table");
    for (const std::string& e : errs) diag.problem(path.string(), e, position_of(&item));
    ok = ok && errs.empty();
  }
  return ok;
}

}  // namespace mailtls
