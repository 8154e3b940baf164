#include "render/references.h"

#include "base/catalogue_file.h"

#include <toml++/toml.h>

#include <set>

namespace mailtls {
namespace {

// The id and the link are derived from the number and the section, so a typo in one of
// the three shows up as a mismatch instead of a wrong citation.
void check_reference(const Reference& r, const std::string& where, std::vector<std::string>& errs) {
  if (r.rfc <= 0) errs.push_back(where + ": rfc must be a positive number");
  if (r.section.empty()) errs.push_back(where + ": no section");
  if (r.title.empty()) errs.push_back(where + ": no title");
  std::string n = std::to_string(r.rfc);
  if (r.id != "RFC " + n + " §" + r.section)
    errs.push_back(where + ": id must be \"RFC " + n + " §" + r.section + "\"");
  std::string url = "https://www.rfc-editor.org/rfc/rfc" + n + "#section-" + r.section;
  if (r.url != url) errs.push_back(where + ": url must be " + url);
}

Reference read_reference(const toml::table& t) {
  Reference r;
  r.id = t["id"].value_or(std::string());
  r.rfc = static_cast<int>(t["rfc"].value_or(int64_t{0}));
  r.section = t["section"].value_or(std::string());
  r.title = t["title"].value_or(std::string());
  r.url = t["url"].value_or(std::string());
  return r;
}

}  // namespace

std::unique_ptr<ReferenceCatalogue> ReferenceCatalogue::load(const std::filesystem::path& data_dir,
                                                             Diagnostics& diag) {
  auto cat = std::make_unique<ReferenceCatalogue>();
  std::set<std::string> seen;
  const bool ok = read_catalogue(
      data_dir / "grammars" / "catalogues" / "references.toml", "reference", diag,
      [&](const toml::table& t, const std::string& at, std::vector<std::string>& errs) {
        Reference r = read_reference(t);
        const std::string where = at + " (" + r.id + ")";
        check_reference(r, where, errs);
        if (!seen.insert(r.id).second) errs.push_back(where + ": duplicate id");
        cat->entries_.push_back(std::move(r));
      });
  return ok ? std::move(cat) : nullptr;
}

const Reference* ReferenceCatalogue::find(std::string_view id) const {
  for (const Reference& r : entries_)
    if (r.id == id) return &r;
  return nullptr;
}

}  // namespace mailtls
