// `mailtls report --html FILE`: the self-contained HTML page described in html_report.h.
#include <filesystem>
#include <fstream>
#include <ostream>

#include "cli/commands.h"
#include "base/data_dir.h"
#include "base/output_file.h"
#include "report/html_report.h"
#include "store/sqlite_util.h"
#include "render/texts.h"

namespace mailtls {
namespace {

namespace fs = std::filesystem;

// Whether --html may be written: standard output, a new name, or a file that mailtls
// wrote as a report before (its head says so). Never the database being read (under
// any name), nor any other existing file. Empty when it may.
std::string refusal(const std::string& html, const std::string& db) {
  if (html == "-") return {};
  std::error_code ec;
  const auto status = fs::status(html, ec);
  if (!fs::exists(status)) return {};
  if (fs::equivalent(html, db, ec))
    return "refused to write the report onto " + html + ": it is the database the report reads";
  if (!fs::is_regular_file(status))
    return "refused to write the report onto " + html + ": it is not a regular file";
  std::ifstream in(html, std::ios::binary);
  std::string head(4096, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  if (head.find(kReportGenerator) == std::string::npos)
    return "refused to overwrite " + html +
           ": it is not a report written by mailtls; give another name or remove the file first";
  return {};
}

}  // namespace

int run_report(const ReportOptions& o, Streams io) {
  if (o.html.empty()) {
    io.err << "mailtls report: give the output file with --html FILE (or - for standard output)\n";
    return 2;
  }
  if (const std::string no = refusal(o.html, o.db); !no.empty()) {
    io.err << "mailtls report: " << no << "\n";
    return 1;
  }
  Diagnostics diag;
  auto texts = Texts::load(resolve_data_dir(o.data_dir) / "locales", o.lang, diag);
  for (const auto& d : diag.all()) io.err << d.format() << "\n";
  if (!texts) return 1;
  std::string error;
  sql::Db db = sql::Db::open_read_only(o.db, &error);
  ReportData data;
  data.db_name = fs::path(o.db).filename().string();
  if (!db.ok() || !load_report_data(db.get(), data, error)) {
    io.err << "mailtls report: " << error << "\n";
    return 1;
  }
  const std::string page = render_html_report(data, *texts);
  if (o.html == "-") {
    io.out << page;
    return 0;  // a failed write to standard output is reported by main()
  }
  if (!write_output_file(o.html, page, &error)) {
    io.err << "mailtls report: " << o.html << ": " << error << "; nothing was written\n";
    return 1;
  }
  return 0;
}

}  // namespace mailtls
