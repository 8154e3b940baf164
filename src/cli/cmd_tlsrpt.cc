// `mailtls tlsrpt`: RFC 8460 aggregate reports for one UTC day, one file per recipient
// domain of the outbound connections (policy-domain = connections.domain).
//
// Counting (docs/reports.md): a session is an outbound connection whose outcome maps to
// an RFC 8460 result. tls-success counts as successful; the outcomes with a result type
// in TLS-OUTCOMES.md count as failures; tls-not-attempted, cleartext, unknown (and the
// inbound-only tls-required-not-initiated) are not counted at all: no TLS negotiation
// was attempted or nothing is known about one, so they are neither.
// The appliance does not look up MTA-STS or DANE policies, hence `no-policy-found`.
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <tuple>

#include "base/output_file.h"
#include "cli/commands.h"
#include "store/sqlite_util.h"
#include "report/summary.h"

namespace mailtls {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

// (result-type, receiving-mx-hostname, receiving-ip, failure-reason-code)
// (result-type, receiving-mx-hostname, receiving-ip, failure-reason-code, sending-mta-ip)
using FailureKey = std::tuple<std::string, std::string, std::string, std::string, std::string>;

struct DomainReport {
  int64_t successes = 0, failures = 0;
  std::map<FailureKey, int64_t> details;
};

struct Day {
  std::string date;  // YYYY-MM-DD
  int64_t begin = 0, end = 0;  // [begin, end) UTC seconds
};

// The RFC 8460 result type of a failed outcome; nullopt for outcomes that are not a
// failed TLS session (see the file comment).
std::optional<std::string> result_type(Outcome outcome, const std::string& detail) {
  switch (outcome) {
    case Outcome::starttls_not_offered:
    case Outcome::ehlo_misordered:
    case Outcome::starttls_masked:
    case Outcome::ehlo_rejected:
      return "starttls-not-supported";
    case Outcome::starttls_refused:
    case Outcome::handshake_failed:
    case Outcome::connection_lost:
    case Outcome::tls_failed:
      return "validation-failure";
    case Outcome::certificate_invalid:
      // Which certificate check failed, when the log said; else the generic type.
      if (detail == "expired") return "certificate-expired";
      if (detail == "host-mismatch") return "certificate-host-mismatch";
      if (detail == "not-trusted") return "certificate-not-trusted";
      return "validation-failure";
    default:
      return std::nullopt;
  }
}

bool load_reports(sqlite3* db, const Day& day, std::map<std::string, DomainReport>& reports,
                  std::string& error) {
  sql::Stmt st(db, "SELECT lower(domain), tls_outcome, coalesce(tls_detail, ''), "
                   "coalesce(peer_host, ''), coalesce(peer_ip, ''), count(*), coalesce(local_ip, '') "
                   "FROM connections WHERE direction = 'outbound' AND started_at >= :begin "
                   "AND started_at < :end AND coalesce(domain, '') <> '' GROUP BY 1, 2, 3, 4, 5, 7");
  st.bind_int(":begin", day.begin);
  st.bind_int(":end", day.end);
  while (st.row()) {
    const std::string outcome = st.str(1);
    const std::optional<Outcome> known = outcome_by_name(outcome);
    const int64_t n = st.int64(5);
    if (!known) continue;  // a name this version does not know: not a TLS session result
    if (*known == Outcome::tls_success) {
      reports[st.str(0)].successes += n;
    } else if (auto type = result_type(*known, st.str(2))) {
      DomainReport& r = reports[st.str(0)];
      r.failures += n;
      r.details[{*type, st.str(3), st.str(4), outcome, st.str(6)}] += n;
    }
  }
  error = st.error();
  return st.succeeded();
}

uint64_t fnv1a(std::string_view text) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  return h;
}

// Stable for (organization, domain, day), so re-running a day gives the same id.
std::string report_id(const TlsrptOptions& o, const std::string& domain, const Day& day) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx",
                static_cast<unsigned long long>(fnv1a(o.organization + '\n' + domain + '\n' + day.date)));
  return day.date + "_" + domain + "_" + hex;
}

Json failure_json(const FailureKey& key, int64_t n) {
  const auto& [type, host, ip, reason, sending_ip] = key;
  Json j = {{"result-type", type}};
  if (!sending_ip.empty()) j["sending-mta-ip"] = sending_ip;
  if (!ip.empty()) j["receiving-ip"] = ip;
  if (!host.empty()) j["receiving-mx-hostname"] = host;
  j["failed-session-count"] = n;
  j["failure-reason-code"] = reason;
  return j;
}

Json report_json(const TlsrptOptions& o, const std::string& domain, const DomainReport& r, const Day& day) {
  Json details = Json::array();
  for (const auto& [key, n] : r.details) details.push_back(failure_json(key, n));
  Json policy = {{"policy", {{"policy-type", "no-policy-found"}, {"policy-domain", domain}}},
                 {"summary", {{"total-successful-session-count", r.successes},
                              {"total-failure-session-count", r.failures}}},
                 {"failure-details", details}};
  return {{"organization-name", o.organization},
          {"date-range", {{"start-datetime", iso_utc(day.begin)}, {"end-datetime", iso_utc(day.end - 1)}}},
          {"contact-info", o.contact},
          {"report-id", report_id(o, domain, day)},
          {"policies", Json::array({policy})}};
}

// Percent-encodes what cannot appear in one file name field: anything but letters,
// digits, '-', '_', and a '.' that would start, end or double a label. The result has
// no '/', no '!' (the field separator) and no "..", so it cannot leave --out.
std::string file_name_field(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = text[i];
    bool lone_dot = c == '.' && i > 0 && i + 1 < text.size() && text[i - 1] != '.' && text[i + 1] != '.';
    if (std::isalnum(c) || c == '-' || c == '_' || lone_dot) {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

// RFC 8460 §5.3: the sender is the domain of the contact address; without one, the
// organization name stands in.
std::string sender_field(const TlsrptOptions& o) {
  std::string contact = o.contact;
  size_t at = contact.rfind('@');
  if (at == std::string::npos) return file_name_field(o.organization);
  std::string domain = contact.substr(at + 1);
  domain = domain.substr(0, domain.find_first_of("?>"));
  for (char& c : domain) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return file_name_field(domain);
}

std::string file_name(const TlsrptOptions& o, const std::string& domain, const Day& day) {
  return sender_field(o) + "!" + file_name_field(domain) + "!" + std::to_string(day.begin) + "!" +
         std::to_string(day.end - 1) + (o.gzip ? ".json.gz" : ".json");
}

// The bytes as one gzip member (RFC 1952), made in memory so the file is written once.
bool gzipped(const std::string& bytes, std::string& out) {
  z_stream z{};
  if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return false;
  out.resize(deflateBound(&z, static_cast<uLong>(bytes.size())) + 32);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  z.avail_in = static_cast<uInt>(bytes.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return rc == Z_STREAM_END;
}

// Through a temporary name (write_output_file), so a reader never sees half a report and
// a full disk never leaves a truncated one.
bool write_report(const fs::path& dir, const std::string& name, const std::string& bytes, bool gzip,
                  std::ostream& err) {
  const fs::path path = dir / name;
  std::string error = "the file name has a '/'", packed;
  if (gzip && !gzipped(bytes, packed)) error = "cannot compress the report";
  else if (name.find('/') == std::string::npos && write_output_file(path.string(), gzip ? packed : bytes, &error))
    return true;
  err << "mailtls tlsrpt: cannot write " << path.string() << ": " << error << "\n";
  return false;
}

std::optional<Day> parse_day(const std::string& date) {
  auto begin = parse_utc_bound(date, false);
  if (date.size() != 10 || !begin) return std::nullopt;
  return Day{date, *begin, *begin + 86400};
}

}  // namespace

int run_tlsrpt(const TlsrptOptions& o, Streams io) {
  auto day = parse_day(o.date);
  if (!day) {
    io.err << "mailtls tlsrpt: --date '" << o.date << "' is not a UTC day YYYY-MM-DD\n";
    return 2;
  }
  std::string error;
  sql::Db db = sql::Db::open_read_only(o.db, &error);
  std::map<std::string, DomainReport> reports;
  if (!db.ok() || !load_reports(db.get(), *day, reports, error)) {
    io.err << "mailtls tlsrpt: " << error << "\n";
    return 1;
  }
  std::error_code ec;
  fs::path dir = fs::path(o.out_dir.empty() ? "." : o.out_dir);
  fs::create_directories(dir, ec);
  if (ec) {
    io.err << "mailtls tlsrpt: cannot create " << dir.string() << ": " << ec.message() << "\n";
    return 1;
  }
  if (reports.empty()) io.err << "mailtls tlsrpt: no outbound TLS sessions on " << day->date << "\n";
  int status = 0;
  for (const auto& [domain, r] : reports) {
    std::string name = file_name(o, domain, *day);
    std::string json = report_json(o, domain, r, *day).dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
    if (!write_report(dir, name, json, o.gzip, io.err)) status = 1;
    else io.out << (dir / name).string() << "\n";
  }
  return status;
}

}  // namespace mailtls
