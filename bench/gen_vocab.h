// The world mailtls-gen simulates: remote domains with a fixed TLS behaviour each, user
// names, subjects, scanner verdicts and other word lists. Built once from the seed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gen_rng.h"

namespace gen {

// How a remote domain's mail servers behave when the appliance delivers to them. Each maps
// to one outcome of TLS-OUTCOMES.md, so per-domain summaries have something to show.
enum class OutProfile : uint8_t {
  success,        // STARTTLS offered and the handshake works
  not_offered,    // EHLO reply without STARTTLS
  misordered,     // 250-STARTTLS before the domain line
  masked,         // an SMTP-inspecting firewall replaced STARTTLS by XXXXXXXA
  ehlo_rejected,  // EHLO answered 502, the appliance falls back to HELO
  refused,        // STARTTLS answered 454
  handshake,      // 220 to STARTTLS, then the handshake fails (no shared cipher...)
  certificate,    // certificate verification fails
  lost,           // the connection drops after STARTTLS
  tls_off,        // STARTTLS offered, but TLS is off for this destination: never sent
  count
};
std::string_view profile_name(OutProfile p);

struct Domain {
  std::string name;
  std::string mx;   // the host name in its banner and EHLO reply
  uint32_t ip = 0;  // its MX address
  OutProfile profile = OutProfile::success;
  bool tls_required = false;   // the appliance's destination controls require TLS
  uint8_t ehlo_style = 0;      // which keyword list its EHLO reply carries
  uint8_t max_conns = 1;       // simultaneous deliveries the appliance opens to it
  uint8_t response_style = 0;  // the shape of its reply to the end of DATA
  bool quarantine = false;     // the off-box spam quarantine, not a mail domain
};

struct Vocab {
  std::vector<Domain> domains;  // rank order: index 0 is the most popular
  Zipf popularity;
  // The appliance's own organisation: inbound mail is for these, relayed mail from them.
  std::vector<std::string> internal_domains;
  uint32_t internal_mx_ip = 0;
};

// Domain count and the share of each OutProfile among the tail domains are fixed, so a
// seed changes which domain misbehaves, not how many do.
Vocab make_vocab(Rng& rng, size_t domain_count);

// Word lists.
extern const std::vector<std::string_view> kFirstNames;
extern const std::vector<std::string_view> kLastNames;
extern const std::vector<std::string_view> kRoleNames;  // info, noreply, billing...
extern const std::vector<std::string_view> kSubjects;   // some hold a quote character
extern const std::vector<std::string_view> kCiphers;
extern const std::vector<std::string_view> kOldCiphers;
extern const std::vector<std::string_view> kAttachments;
extern const std::vector<std::string_view> kCountries;
extern const std::vector<std::string_view> kSystemLines;  // status lines not tied to a connection

}  // namespace gen
