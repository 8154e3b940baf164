// `mailtls tlsrpt`: RFC 8460 aggregate reports for one UTC day, one file per recipient
// domain of the outbound connections (policy-domain = connections.domain).
//
// Counting (docs/reports.md): a session is an outbound connection whose outcome maps to
// an RFC 8460 result. tls-success counts as successful; the outcomes with a result type
// in TLS-OUTCOMES.md count as failures; tls-not-attempted, cleartext, unknown (and the
// inbound-only tls-required-not-initiated) are not counted at all: no TLS negotiation
// was attempted or nothing is known about one, so they are neither.
// The appliance does not look up MTA-STS or DANE policies, hence `no-policy-found`.
//
// Failure details name the receiving MTA only as the data show it: `receiving-ip` from
// the connection line, `receiving-mx-helo` from the server's greeting or EHLO reply in
// the dialogue (debug logs), `receiving-mx-hostname` only when connections.peer_host
// holds a name (the appliance's mail_logs do not name the MX host of a delivery).
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <tuple>

#include "base/output_file.h"
#include "cli/commands.h"
#include "store/sqlite_util.h"
#include "report/summary.h"
#include "verdict/ehlo.h"

namespace mailtls {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

// (result-type, receiving-mx-hostname, receiving-ip, failure-reason-code, sending-mta-ip,
// receiving-mx-helo)
using FailureKey = std::tuple<std::string, std::string, std::string, std::string, std::string, std::string>;

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
  // The server's first EHLO reply line (the first 250 line) and its greeting (the first
  // 220 line) from the dialogue, when the debug logs gave one.
  sql::Stmt st(db, "SELECT lower(domain), tls_outcome, coalesce(tls_detail, ''), "
                   "coalesce(peer_host, ''), coalesce(peer_ip, ''), count(*), coalesce(local_ip, ''), "
                   "coalesce((SELECT line FROM transcript t WHERE t.connection_id = c.id AND t.sender = 'server' "
                   "AND substr(t.line, 1, 3) = '250' ORDER BY t.seq LIMIT 1), ''), "
                   "coalesce((SELECT line FROM transcript t WHERE t.connection_id = c.id AND t.sender = 'server' "
                   "AND substr(t.line, 1, 3) = '220' ORDER BY t.seq LIMIT 1), '') "
                   "FROM connections c WHERE direction = 'outbound' AND started_at >= :begin "
                   "AND started_at < :end AND coalesce(domain, '') <> '' GROUP BY 1, 2, 3, 4, 5, 7, 8, 9");
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
      std::string helo = server_name_in_reply(st.str(7));
      if (helo.empty()) helo = server_name_in_reply(st.str(8));
      r.details[{*type, st.str(3), st.str(4), outcome, st.str(6), helo}] += n;
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
  const auto& [type, host, ip, reason, sending_ip, helo] = key;
  Json j = {{"result-type", type}};
  if (!sending_ip.empty()) j["sending-mta-ip"] = sending_ip;
  if (!ip.empty()) j["receiving-ip"] = ip;
  if (!host.empty()) j["receiving-mx-hostname"] = host;
  if (!helo.empty()) j["receiving-mx-helo"] = helo;
  j["failed-session-count"] = n;
  j["failure-reason-code"] = reason;
  return j;
}

Json report_json(const TlsrptOptions& o, const std::string& contact, const std::string& domain, const DomainReport& r, const Day& day) {
  Json details = Json::array();
  for (const auto& [key, n] : r.details) details.push_back(failure_json(key, n));
  Json policy = {{"policy", {{"policy-type", "no-policy-found"}, {"policy-domain", domain}}},
                 {"summary", {{"total-successful-session-count", r.successes},
                              {"total-failure-session-count", r.failures}}},
                 {"failure-details", details}};
  return {{"organization-name", o.organization},
          {"date-range", {{"start-datetime", iso_utc(day.begin)}, {"end-datetime", iso_utc(day.end - 1)}}},
          {"contact-info", contact},
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

std::string file_name(const std::string& sender, const std::string& domain, const Day& day, bool gzip) {
  return sender + "!" + file_name_field(domain) + "!" + std::to_string(day.begin) + "!" +
         std::to_string(day.end - 1) + (gzip ? ".json.gz" : ".json");
}

// RFC 5322 §3.2.3 atext.
bool atext(char ch) {
  return std::isalnum(static_cast<unsigned char>(ch)) || (ch != '\0' && std::strchr("!#$%&'*+-/=?^_`{|}~", ch));
}

// RFC 5322 dot-atom-text: atoms of atext joined by single dots.
bool dot_atom(std::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.' || s.find("..") != std::string_view::npos) return false;
  return std::all_of(s.begin(), s.end(), [](char ch) { return ch == '.' || atext(ch); });
}

// RFC 5322 quoted-string without comments or folding: qtext, spaces and quoted-pairs.
bool quoted_string(std::string_view s) {
  if (s.size() < 2 || s.front() != '"' || s.back() != '"') return false;
  for (size_t i = 1; i + 1 < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '\\') {
      if (++i + 1 >= s.size() || static_cast<unsigned char>(s[i]) < 0x20 || static_cast<unsigned char>(s[i]) > 0x7e)
        return false;
    } else if (c < 0x20 || c > 0x7e || c == '"') {
      return false;
    }
  }
  return true;
}

// RFC 5322 domain-literal without comments or folding: "[" dtext "]".
bool domain_literal(std::string_view s) {
  if (s.size() < 2 || s.front() != '[' || s.back() != ']') return false;
  return std::all_of(s.begin() + 1, s.end() - 1, [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c >= 33 && c <= 126 && c != '[' && c != ']' && c != '\\';
  });
}

// A host name: labels of letters, digits and inner hyphens, 1-63 characters each.
bool domain_name(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  for (size_t start = 0;;) {
    const size_t dot = s.find('.', start);
    const std::string_view label = s.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (char ch : label)
      if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-') return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// --contact as the addr-spec RFC 8460 §4.3 asks for (RFC 5322 §3.4.1, no comments or
// obsolete forms), a "mailto:" prefix taken off; nullopt when it is not one.
std::optional<std::string> contact_address(std::string_view text) {
  if (text.size() >= 7 && lower(std::string(text.substr(0, 7))) == "mailto:") text.remove_prefix(7);
  const size_t at = text.rfind('@');
  if (at == std::string_view::npos || text.size() > 254) return std::nullopt;
  const std::string_view local = text.substr(0, at), domain = text.substr(at + 1);
  if (!dot_atom(local) && !quoted_string(local)) return std::nullopt;
  if (!dot_atom(domain) && !domain_literal(domain)) return std::nullopt;
  return std::string(text);
}

// Whether the file at `path` is a report mailtls wrote for this domain and day (its
// report-id has the form report_id gives), so that writing it again may replace it.
// Any other file, or one that cannot be read, is not replaced.
bool own_report(const fs::path& path, const std::string& domain, const Day& day) {
  gzFile gz = gzopen(path.c_str(), "rb");  // reads plain files as they are
  if (!gz) return false;
  std::string text;
  char buf[8192];
  for (int n; text.size() < (16u << 20) && (n = gzread(gz, buf, sizeof buf)) > 0;)
    text.append(buf, static_cast<size_t>(n));
  gzclose(gz);
  const Json j = Json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("report-id") || !j["report-id"].is_string()) return false;
  const std::string id = j["report-id"].get<std::string>();
  const std::string prefix = day.date + "_" + domain + "_";
  return id.size() == prefix.size() + 16 && id.compare(0, prefix.size(), prefix) == 0 &&
         std::all_of(id.begin() + static_cast<std::ptrdiff_t>(prefix.size()), id.end(),
                     [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

// Why the report may not be written at `path`; empty when it may (a new name, or a
// report this command wrote before).
std::string refusal(const fs::path& path, const std::string& db, const std::string& domain, const Day& day) {
  std::error_code ec;
  const auto status = fs::symlink_status(path, ec);
  if (!fs::exists(status)) return {};
  if (fs::equivalent(path, db, ec)) return "it is the database the reports are made from";
  if (!fs::is_regular_file(status)) return "it is not a regular file";
  if (!own_report(path, domain, day))
    return "it is not a report mailtls wrote for this domain and day; remove it or choose another --out";
  return {};
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
  const std::optional<std::string> contact = contact_address(o.contact);
  if (!contact) {
    io.err << "mailtls tlsrpt: --contact '" << o.contact
           << "' is not an e-mail address (RFC 8460 section 4.3 asks for one, e.g. tlsrpt@example.com)\n";
    return 2;
  }
  // RFC 8460 §5.3: the sender is the domain of the report generator.
  const std::string sender =
      lower(o.sender_domain.empty() ? contact->substr(contact->rfind('@') + 1) : o.sender_domain);
  if (!domain_name(sender)) {
    io.err << "mailtls tlsrpt: "
           << (o.sender_domain.empty() ? "the domain of --contact" : "--sender-domain") << " '" << sender
           << "' is not a domain name for the report file names; give one with --sender-domain\n";
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
  // Every name is checked before any file is written: a refusal leaves the directory as it was.
  bool refused = false;
  for (const auto& [domain, r] : reports) {
    const fs::path path = dir / file_name(sender, domain, *day, o.gzip);
    if (const std::string no = refusal(path, o.db, domain, *day); !no.empty()) {
      io.err << "mailtls tlsrpt: refused to overwrite " << path.string() << ": " << no << "\n";
      refused = true;
    }
  }
  if (refused) {
    io.err << "mailtls tlsrpt: nothing was written\n";
    return 1;
  }
  int status = 0;
  for (const auto& [domain, r] : reports) {
    std::string name = file_name(sender, domain, *day, o.gzip);
    std::string json =
        report_json(o, *contact, domain, r, *day).dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
    if (!write_report(dir, name, json, o.gzip, io.err)) status = 1;
    else io.out << (dir / name).string() << "\n";
  }
  return status;
}

}  // namespace mailtls
