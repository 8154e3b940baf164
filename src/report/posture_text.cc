#include "report/posture_text.h"

#include <algorithm>

#include "report/summary.h"
#include "verdict/tls_quality.h"

namespace mailtls {

std::string explain_command(const ConnectionRef& c, const std::string& direction) {
  std::string cmd = "mailtls explain --" + std::string(direction == "inbound" ? "icid " : "dcid ") +
                    std::to_string(c.conn_id);
  if (!c.appliance.empty()) cmd += " --appliance " + c.appliance;
  return cmd;
}

std::string posture_time(const std::optional<int64_t>& t) {
  if (!t) return "?";
  const std::string iso = iso_utc(*t);
  return iso.substr(0, 10) + " " + iso.substr(11, 5);
}

std::string counts_text(const std::map<std::string, int64_t>& counts) {
  std::vector<std::pair<int64_t, std::string>> sorted;
  for (const auto& [name, n] : counts) sorted.emplace_back(-n, name);
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::string> parts;
  for (const auto& [n, name] : sorted) parts.push_back(name + " " + std::to_string(-n));
  return join(parts, ", ");
}

std::string weak_text(const PostureRow& r) {
  std::vector<std::string> parts;
  for (const auto& [p, n] : r.deprecated_protocols) parts.push_back(p + " " + std::to_string(n));
  for (const auto& [c, n] : r.weak_ciphers) {
    std::vector<std::string> why;
    for (CipherWeakness w : cipher_weaknesses(c)) why.emplace_back(weakness_id(w));
    parts.push_back(c + " (" + join(why, ", ") + ") " + std::to_string(n));
  }
  return join(parts, ", ");
}

DowngradeWords downgrade_words(const PostureRow& r, const std::string& direction, const Texts& texts) {
  if (!r.downgrade) return {};
  const Downgrade& d = *r.downgrade;
  const std::string first_day = d.first.time ? iso_utc(*d.first.time).substr(0, 10) : "?";
  const std::map<std::string, std::string> vars = {
      {"domain", r.domain},
      {"last_success", posture_time(d.last_tls_success.time)},
      {"last_id", std::to_string(d.last_tls_success.id)},
      {"first_seen", posture_time(d.first.time)},
      {"first_day", first_day},
      {"first_id", std::to_string(d.first.id)},
      {"outcome", d.first.outcome},
      {"without_tls", texts.count("posture.count.without_tls", d.connections)},
      {"explain", explain_command(d.first, direction)}};
  return {texts.render("posture.downgrade_line", vars), texts.get("posture.downgrade_why"),
          texts.render("posture.downgrade_action", vars)};
}

ConfigureWords configure_words(const PostureRow& r, const std::string& direction, const Texts& texts) {
  if (r.readiness != Readiness::ready) return {};
  const std::map<std::string, std::string> vars = {{"domain", r.domain},
                                                   {"count", std::to_string(r.connections)}};
  // Outbound TLS is required per destination; inbound per sender group (its mail flow policy).
  const char* key = direction == "inbound" ? "posture.configure-inbound" : "posture.configure";
  return {"Required", texts.render(key, vars), texts.get("posture.risk")};
}

const std::vector<std::string>& downgrade_references() {
  static const std::vector<std::string> refs = {"RFC 3207 §6", "RFC 8461 §1"};
  return refs;
}

std::vector<std::string> weak_references(const PostureRow& r) {
  std::vector<std::string> refs;
  if (!r.deprecated_protocols.empty()) refs.push_back("RFC 8996 §1");
  if (!r.weak_ciphers.empty()) refs.insert(refs.end(), {"RFC 7465 §2", "RFC 9325 §4.1"});
  return refs;
}

}  // namespace mailtls
