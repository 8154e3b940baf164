// mailtls: explains TLS on every SMTP connection of Cisco ESA mail logs.
// main() only wires the command line to the subcommands' run_x functions.
#include <CLI/CLI.hpp>

#include <cerrno>
#include <cstring>
#include <iostream>

#include "cli/commands.h"
#include "cli/generate.h"
#include "base/output_file.h"
#include "report/table_format.h"

namespace {

using namespace mailtls;

constexpr const char* kDataDirDefault = "$MAILTLS_DATA_DIR, else beside the binary, else the sources";

// The hidden `mailtls generate man|bash|zsh`: CMake writes the man page and the
// completions with it at build time.
struct GenerateOptions {
  std::string what, out;
};

void add_generate(CLI::App& app, GenerateOptions& o) {
  auto* c = app.add_subcommand("generate", "Write the man page or a shell completion script");
  c->group("");
  c->add_option("WHAT", o.what, "man, bash or zsh")->required()->check(CLI::IsMember({"man", "bash", "zsh"}));
  c->add_option("--out", o.out, "Output file (default: standard output)");
}

int run_generate(const CLI::App& app, const GenerateOptions& o) {
  const std::string text = o.what == "man"    ? generate_man(app, MAILTLS_VERSION)
                           : o.what == "bash" ? generate_bash(app)
                                              : generate_zsh(app);
  if (o.out.empty()) {
    std::cout << text;
    return 0;
  }
  std::string error;
  if (write_output_file(o.out, text, &error)) return 0;
  std::cerr << "mailtls generate: " << o.out << ": " << error << "\n";
  return 1;
}

void add_ingest(CLI::App& app, IngestOptions& o) {
  auto* c = app.add_subcommand("ingest", "Read ESA logs into an SQLite database");
  c->add_option("--db", o.db, "Database file (created if missing)")->required();
  c->add_option("--locale", o.locale, "Language of the logs: auto or a locale code");
  c->add_option("--appliance", o.appliance, "Appliance name when the logs do not say");
  c->add_option("--year", o.year, "Year of syslog lines that carry none")
      ->check(CLI::Range(1970, 2200))
      ->default_str("the file's date");
  c->add_option("--idle-timeout", o.idle_timeout,
                "Finish a connection after this many seconds of log time without a line")
      ->check(CLI::Range(int64_t{1}, int64_t{366} * 86400));
  c->add_option("--max-open", o.max_open, "Connections held in memory at most")
      ->check(CLI::Range(size_t{1}, size_t{100000000}));
  c->add_option("--progress", o.progress, "Progress on stderr: 1 on, 0 off")
      ->check(CLI::IsMember({0, 1}))
      ->default_str("on a terminal");
  c->add_option("--format", o.format, "table or json (per-input results and totals)")
      ->check(CLI::IsMember({"table", "json"}));
  c->add_flag("-q,--quiet", o.quiet, "No progress and no table (errors only)");
  c->add_flag("-v,--verbose", o.verbose, "Also the time of each phase and the sessions' figures, on stderr");
  c->add_option("--data-dir", o.data_dir, "Directory with grammars/ and locales/")->default_str(kDataDirDefault);
  c->add_option("INPUT", o.inputs, "Files, directories, globs, or - for stdin")->required();
}

void add_check(CLI::App& app, CheckOptions& o) {
  auto* c = app.add_subcommand("check", "Load and self-test every grammar and locale");
  c->add_option("--format", o.format, "text or json")->check(CLI::IsMember({"text", "json"}));
  c->add_flag("-q,--quiet", o.quiet, "Only the problems, not the closing line of each data family");
  c->add_flag("-v,--verbose", o.verbose, "Also the data directory checked, on stderr");
  c->add_option("--data-dir", o.data_dir, "Directory with grammars/ and locales/")->default_str(kDataDirDefault);
}

void add_explain(CLI::App& app, ExplainOptions& o) {
  auto* c = app.add_subcommand("explain", "Explain the TLS outcome of one connection");
  c->add_option("--db", o.db, "Database file");
  auto* id = c->add_option("--id", o.id, "The connection's connections.id (what the example queries return)")
                 ->check(CLI::NonNegativeNumber);
  auto* dcid = c->add_option("--dcid", o.dcid, "Outbound connection (DCID)")->check(CLI::NonNegativeNumber);
  auto* icid = c->add_option("--icid", o.icid, "Inbound connection (ICID)")->check(CLI::NonNegativeNumber);
  for (auto* option : {id, dcid, icid}) option->default_str("");
  auto* tr = c->add_option("--transcript", o.transcript, "A pasted SMTP dialogue (file, or - for stdin)");
  id->excludes(dcid)->excludes(icid)->excludes(tr);
  dcid->excludes(icid)->excludes(tr);
  icid->excludes(tr);
  c->add_option("--appliance", o.appliance, "Appliance of the DCID/ICID ('' for the unnamed appliance)");
  c->add_option("--lang", o.lang, "Language of the explanation");
  c->add_option("--format", o.format, "text or json")->check(CLI::IsMember({"text", "json"}));
  c->add_option("--data-dir", o.data_dir, "Directory with grammars/ and locales/")->default_str(kDataDirDefault);
}

void add_summary(CLI::App& app, SummaryOptions& o) {
  auto* c = app.add_subcommand("summary", "Per-domain (or other group) TLS summary");
  c->add_option("--db", o.db, "Database file")->required();
  c->add_option("--by", o.by, "Group by")->check(CLI::IsMember({"domain", "appliance", "day", "peer"}));
  c->add_option("--direction", o.direction, "Direction")
      ->check(CLI::IsMember({"outbound", "inbound", "both"}));
  c->add_option("--since", o.since, "From this UTC date or time");
  c->add_option("--until", o.until, "Up to this UTC date or time");
  c->add_option("--domain", o.domain, "Only this domain");
  c->add_option("--format", o.format, "table, json or csv")->check(CLI::IsMember({"table", "json", "csv"}));
  c->add_option("--lang", o.lang, "Language of the table");
  c->add_option("--width", o.width, "Table width")->check(CLI::Range(1, 100000))->default_str("$COLUMNS or the terminal's, else 80");
  c->add_flag("-q,--quiet", o.quiet, "No notes on stderr (hidden columns, downgrades)");
  c->add_option("--data-dir", o.data_dir, "Directory with grammars/ and locales/")->default_str(kDataDirDefault);
}

void add_posture(CLI::App& app, PostureOptions& o) {
  auto* c = app.add_subcommand("posture", "Per peer domain: can TLS be required, did it stop, is it weak");
  c->add_option("--db", o.db, "Database file")->required();
  c->add_option("--since", o.since, "From this UTC date or time");
  c->add_option("--until", o.until, "Up to this UTC date or time");
  c->add_option("--direction", o.direction, "outbound (recipient domains) or inbound (sender domains)")
      ->check(CLI::IsMember({"outbound", "inbound"}));
  c->add_option("--min-connections", o.min_connections, "Connections needed to call a domain ready")
      ->check(CLI::Range(int64_t{1}, int64_t{1000000000}));
  c->add_option("--format", o.format, "table, json or csv")->check(CLI::IsMember({"table", "json", "csv"}));
  c->add_option("--lang", o.lang, "Language of the texts");
  c->add_option("--width", o.width, "Table width")->check(CLI::Range(1, 100000))->default_str("$COLUMNS or the terminal's, else 80");
  c->add_option("--data-dir", o.data_dir, "Directory with grammars/ and locales/")->default_str(kDataDirDefault);
}

void add_notice(CLI::App& app, NoticeOptions& o) {
  auto* c = app.add_subcommand("notice", "A letter to a partner's postmaster about the TLS of their domain");
  c->add_option("--db", o.db, "Database file")->required();
  c->add_option("--domain", o.domain, "The partner's domain")->required();
  c->add_option("--since", o.since, "From this UTC date or time");
  c->add_option("--until", o.until, "Up to this UTC date or time");
  c->add_option("--direction", o.direction, "outbound (mail to them) or inbound (mail from them)")
      ->check(CLI::IsMember({"outbound", "inbound"}));
  c->add_option("--contact", o.contact, "Address the postmaster should reply to");
  c->add_option("--organization", o.organization, "Organization that signs the letter");
  c->add_option("--lang", o.lang, "Language of the letter");
  c->add_option("--data-dir", o.data_dir, "Directory with grammars/ and locales/")->default_str(kDataDirDefault);
}

void add_query(CLI::App& app, QueryOptions& o) {
  auto* c = app.add_subcommand("query", "Run a read-only SQL query on the database");
  c->add_option("--db", o.db, "Database file")->required();
  auto* sql = c->add_option("SQL", o.sql, "The query, or - to read it from standard input");
  auto* file = c->add_option("-f,--file", o.sql_file, "Read the query from this file (- for standard input)");
  sql->excludes(file);
  c->add_option("--param", o.params, "name=value, bound to :name in the query (repeatable)")->allow_extra_args(false);
  c->add_option("--width", o.width, "Table width")
      ->check(CLI::Range(1, 100000))
      ->default_str("on a terminal, $COLUMNS or its width; else no limit");
  c->add_option("--format", o.format,
                "table, json or csv (csv: RFC 4180, values exactly as stored: no formula"
                " neutralising, unlike summary --format csv)")
      ->check(CLI::IsMember({"table", "json", "csv"}));
  c->add_option("--timeout", o.timeout, "Stop the query after this many seconds (0: no limit)")
      ->check(CLI::NonNegativeNumber);
  c->add_flag("-q,--quiet", o.quiet, "No notes on stderr ((no rows), hidden columns)");
  c->add_flag("-v,--verbose", o.verbose, "Also the rows written and the time taken, on stderr");
}

void add_tlsrpt(CLI::App& app, TlsrptOptions& o) {
  auto* c = app.add_subcommand("tlsrpt", "Write RFC 8460 TLS reports for one UTC day");
  c->add_option("--db", o.db, "Database file")->required();
  c->add_option("--date", o.date, "The UTC day, YYYY-MM-DD")->required();
  c->add_option("--organization", o.organization, "Reporting organization name")->required();
  c->add_option("--contact", o.contact, "Contact e-mail address for the reports (mailto: allowed)")->required();
  c->add_option("--sender-domain", o.sender_domain,
                "The reporting domain in the file names (default: the domain of --contact)");
  c->add_option("--out", o.out_dir, "Output directory");
  c->add_flag("--gzip", o.gzip, "Write gzip-compressed reports (.json.gz)");
}

void add_report(CLI::App& app, ReportOptions& o) {
  auto* c = app.add_subcommand("report", "Write a self-contained HTML report");
  c->add_option("--db", o.db, "Database file")->required();
  c->add_option("--html", o.html, "Output HTML file, or - for standard output")->required();
  c->add_option("--lang", o.lang, "Language of the report");
  c->add_option("--data-dir", o.data_dir, "Directory with grammars/ and locales/")->default_str(kDataDirDefault);
}

// Output that could not be written (a full disk, `> /dev/full`, a closed pipe) is an
// error, not a silent exit 0: what the user asked for is not where they asked for it.
int checked_output(const std::string& name, int status) {
  std::cout.flush();
  if (std::cout) return status;
  // errno is only a hint (other calls ran since the failed write): named when it is a
  // reason a write fails.
  const int err = errno;
  const bool telling = err == ENOSPC || err == EPIPE || err == EIO || err == EFBIG || err == EDQUOT;
  std::cerr << "mailtls " << name << ": cannot write to standard output"
            << (telling ? std::string(": ") + std::strerror(err) : std::string()) << "\n";
  return status ? status : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"mailtls: TLS on every SMTP connection of Cisco ESA mail logs, explained"};
  app.set_version_flag("--version", std::string("mailtls ") + MAILTLS_VERSION);
  app.require_subcommand(1);
  // --help shows every option's default (the value its variable starts with, or the
  // words given with default_str where that value is not one a user could give).
  app.option_defaults()->always_capture_default();
  IngestOptions ingest;
  CheckOptions check;
  ExplainOptions explain;
  SummaryOptions summary;
  QueryOptions query;
  PostureOptions posture;
  NoticeOptions notice;
  TlsrptOptions tlsrpt;
  ReportOptions report;
  add_ingest(app, ingest);
  add_check(app, check);
  add_explain(app, explain);
  add_summary(app, summary);
  add_query(app, query);
  add_posture(app, posture);
  add_notice(app, notice);
  add_tlsrpt(app, tlsrpt);
  add_report(app, report);
  GenerateOptions generate;
  add_generate(app, generate);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every usage error exits 2, as documented.
    return app.exit(e) == 0 ? 0 : 2;
  }

  query.terminal = ingest.terminal = stdout_is_terminal();
  explain.appliance_given = app.get_subcommand("explain")->count("--appliance") > 0;
  Streams io{std::cout, std::cerr};
  const std::string name = app.get_subcommands().front()->get_name();
  if (name == "generate") return checked_output(name, run_generate(app, generate));
  errno = 0;
  const int status = [&] {
    if (name == "ingest") return run_ingest(ingest, io);
    if (name == "check") return run_check(check, io);
    if (name == "explain") return run_explain(explain, io);
    if (name == "summary") return run_summary(summary, io);
    if (name == "query") return run_query(query, io);
    if (name == "posture") return run_posture(posture, io);
    if (name == "notice") return run_notice(notice, io);
    if (name == "tlsrpt") return run_tlsrpt(tlsrpt, io);
    if (name == "report") return run_report(report, io);
    return 2;
  }();
  return checked_output(name, status);
}
