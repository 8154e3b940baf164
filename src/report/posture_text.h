// Words for posture rows (report/posture.h), shared by `mailtls posture`, the HTML
// report and `mailtls notice`: every sentence comes from locales/<lang>/posture.toml.
#pragma once

#include <string>
#include <vector>

#include "render/texts.h"
#include "report/posture.h"

namespace mailtls {

// The command that explains one connection: "mailtls explain --dcid 3102 --appliance X".
std::string explain_command(const ConnectionRef& c, const std::string& direction);

// "2024-03-05 09:12" (UTC), "?" when the time is not known.
std::string posture_time(const std::optional<int64_t>& t);

// "starttls-not-offered 3, tls-failed 1": most frequent first.
std::string counts_text(const std::map<std::string, int64_t>& counts);

// "TLSv1 2, RC4-SHA (rc4) 2": the deprecated protocols, then the weak ciphers with why.
std::string weak_text(const PostureRow& r);

// The downgrade of a row in words: the facts, why it matters, what to do (empty
// strings when the row has none).
struct DowngradeWords {
  std::string facts, why, action;
};
DowngradeWords downgrade_words(const PostureRow& r, const std::string& direction, const Texts& texts);

// What to configure for a `ready` row and the risk that remains (empty otherwise).
struct ConfigureWords {
  std::string setting;  // the appliance's name of the setting: "Required"
  std::string text, risk;
};
ConfigureWords configure_words(const PostureRow& r, const std::string& direction, const Texts& texts);

// The standards a downgrade cites (ids of grammars/catalogues/references.toml).
const std::vector<std::string>& downgrade_references();
// RFC 8996 for deprecated protocols, RFC 7465 and 9325 for weak ciphers; empty if neither.
std::vector<std::string> weak_references(const PostureRow& r);

}  // namespace mailtls
