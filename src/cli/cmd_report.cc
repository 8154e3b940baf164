// `mailtls report --html FILE`: the self-contained HTML page described in html_report.h.
#include <filesystem>
#include <fstream>
#include <ostream>

#include "cli/commands.h"
#include "base/data_dir.h"
#include "report/html_report.h"
#include "store/sqlite_util.h"
#include "render/texts.h"

namespace mailtls {

int run_report(const ReportOptions& o, Streams io) {
  if (o.html.empty()) {
    io.err << "mailtls report: give the output file with --html FILE\n";
    return 2;
  }
  Diagnostics diag;
  auto texts = Texts::load(resolve_data_dir(o.data_dir) / "locales", o.lang, diag);
  for (const auto& d : diag.all()) io.err << d.format() << "\n";
  if (!texts) return 1;
  std::string error;
  sql::Db db = sql::Db::open_read_only(o.db, &error);
  ReportData data;
  data.db_name = std::filesystem::path(o.db).filename().string();
  if (!db.ok() || !load_report_data(db.get(), data, error)) {
    io.err << "mailtls report: " << error << "\n";
    return 1;
  }
  std::ofstream out(o.html, std::ios::binary);
  out << render_html_report(data, *texts);
  if (!out.flush()) {
    io.err << "mailtls report: cannot write " << o.html << "\n";
    return 1;
  }
  return 0;
}

}  // namespace mailtls
