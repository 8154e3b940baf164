// The subcommands: each has an options struct and a run_x function returning the exit
// status. main() only parses the command line into these structs and calls them.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace mailtls {

struct Streams {
  std::ostream& out;
  std::ostream& err;
};

struct IngestOptions {
  std::string db;
  std::string locale = "auto";  // auto | en | fr | ...
  std::string appliance;        // used when neither syslog host nor header serial is known
  int year = 0;                 // for syslog lines without a year; 0 = infer
  std::vector<std::string> inputs;
  int64_t idle_timeout = 3600;  // seconds of log time
  size_t max_open = 20000;     // bounds memory: 256 MB holds this many open with room to spare
  int progress = -1;            // -1: when stderr is a terminal; 0 off; 1 on
  std::string data_dir;         // grammars/ and locales/; empty = default search
  std::string format = "table";  // table | json (per-input results and totals)
  bool quiet = false;            // -q: no progress, no table
  bool verbose = false;          // -v: what each phase took, the sessions' figures
  bool terminal = false;         // stdout is a terminal (set by main): the table fits its width
};
int run_ingest(const IngestOptions& o, Streams io);

struct CheckOptions {
  std::string data_dir;
  std::string format = "text";  // text | json
  bool quiet = false;            // only the problems
  bool verbose = false;          // also the data directory checked
};
int run_check(const CheckOptions& o, Streams io);

struct ExplainOptions {
  std::string db;
  int64_t id = -1;  // connections.id
  int64_t dcid = -1, icid = -1;
  std::string appliance;
  bool appliance_given = false;  // --appliance '' selects the unnamed appliance
  std::string transcript;  // a pasted SMTP dialogue (no database needed)
  std::string lang = "en";
  std::string format = "text";  // text | json
  std::string data_dir;
};
int run_explain(const ExplainOptions& o, Streams io);

struct SummaryOptions {
  std::string db;
  std::string by = "domain";        // domain | appliance | day | peer
  std::string direction = "outbound";  // outbound | inbound | both
  std::string since, until;         // ISO dates or times (UTC)
  std::string domain;
  std::string format = "table";     // table | json | csv
  std::string lang = "en";
  int width = 0;                    // 0: the terminal's width (80 when not a terminal)
  std::string data_dir;
  bool quiet = false;               // no notes on stderr
};
int run_summary(const SummaryOptions& o, Streams io);

struct PostureOptions {
  std::string db;
  std::string since, until;            // ISO dates or times (UTC)
  std::string direction = "outbound";  // outbound | inbound
  int64_t min_connections = 5;         // fewer, all with TLS: too-few rather than ready
  std::string format = "table";        // table | json | csv
  std::string lang = "en";
  int width = 0;                       // 0: the terminal's width (80 when not a terminal)
  std::string data_dir;
};
int run_posture(const PostureOptions& o, Streams io);

struct NoticeOptions {
  std::string db;
  std::string domain;
  std::string since, until;            // ISO dates or times (UTC)
  std::string direction = "outbound";  // outbound | inbound
  std::string contact;                 // whom the postmaster should reply to
  std::string organization;            // who signs the letter
  std::string lang = "en";
  std::string data_dir;
};
int run_notice(const NoticeOptions& o, Streams io);

struct QueryOptions {
  std::string db;
  std::string sql;               // the statement, or "-": read it from stdin
  std::string format = "table";  // table | json | csv
  int timeout = 30;              // seconds a query may run; 0: no limit
  int width = 0;                 // table width; 0: the terminal's, no limit when not a terminal
  std::vector<std::string> params;  // name=value, bound to :name
  std::string sql_file;          // read the statement from this file ("-": stdin)
  bool terminal = false;         // stdout is a terminal (set by main)
  bool quiet = false;            // no notes on stderr
  bool verbose = false;          // rows and time on stderr
};
int run_query(const QueryOptions& o, Streams io);

struct TlsrptOptions {
  std::string db;
  std::string date;  // YYYY-MM-DD (UTC day)
  std::string organization;
  std::string contact;        // an addr-spec, "mailto:" allowed (stripped)
  std::string sender_domain;  // the file names' sender; empty: the domain of contact
  std::string out_dir = ".";
  bool gzip = false;
};
int run_tlsrpt(const TlsrptOptions& o, Streams io);

struct ReportOptions {
  std::string db;
  std::string html;
  std::string lang = "en";
  std::string data_dir;
};
int run_report(const ReportOptions& o, Streams io);

}  // namespace mailtls
