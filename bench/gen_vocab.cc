#include "gen_vocab.h"

#include <algorithm>
#include <unordered_set>

namespace gen {
namespace {

// The big providers head the popularity ranking; they all do TLS properly.
const std::vector<std::string_view> kHeadDomains = {
    "gmail.com",      "outlook.com", "hotmail.com", "yahoo.com",   "icloud.com",
    "aol.com",        "comcast.net", "gmx.de",      "web.de",      "orange.fr",
    "protonmail.com", "live.com",    "att.net",     "t-online.de", "libero.it",
    "btinternet.com", "yandex.ru",   "qq.com",      "naver.com",   "zoho.com"};

// Tail domains are made of two words and a TLD: plausible, and clearly not real companies.
const std::vector<std::string_view> kWordA = {
    "north", "blue",  "silver", "green",  "red",   "oak",    "river", "stone", "bright", "cedar",
    "iron",  "lake",  "maple",  "pine",   "sun",   "star",   "west",  "east",  "grand",  "alpha",
    "nova",  "terra", "delta",  "summit", "coast", "harbor", "swift", "prime", "urban",  "valley"};
const std::vector<std::string_view> kWordB = {
    "peak",    "field",   "works",  "tech",    "labs",   "trading",  "logistics", "health",
    "finance", "systems", "group",  "media",   "foods",  "energy",   "legal",     "motors",
    "design",  "press",   "supply", "capital", "travel", "partners", "bank",      "clinic",
    "school",  "shop",    "farms",  "steel",   "air",    "insure"};
const std::vector<std::string_view> kTlds = {".com",   ".com", ".com", ".net", ".org",    ".de",
                                             ".co.uk", ".fr",  ".nl",  ".io",  ".com.au", ".ca"};

// Share (per mille) of each OutProfile among the tail domains, in enum order.
constexpr int kProfilePerMille[] = {620, 90, 30, 30, 20, 30, 50, 60, 20, 50};
static_assert(sizeof(kProfilePerMille) / sizeof(int) == size_t(OutProfile::count));

uint32_t public_ip(Rng& rng) {
  // Avoid 0/8, 10/8, 127/8 and the multicast range so addresses look routable.
  const uint32_t a = uint32_t(rng.range(11, 223));
  return (a == 127 ? 128u : a) << 24 | uint32_t(rng.next() & 0xFFFFFF) | 1u;
}

std::string head_mx(std::string_view name) {
  if (name == "gmail.com") return "mx.google.com";
  if (name == "outlook.com" || name == "hotmail.com" || name == "live.com")
    return std::string(name.substr(0, name.find('.'))) + "-com.olc.protection.outlook.com";
  return "mx1." + std::string(name);
}

std::vector<std::string> tail_names(Rng& rng, size_t count) {
  std::vector<std::string> out;
  std::unordered_set<std::string> seen;
  for (auto h : kHeadDomains) seen.emplace(h);
  while (out.size() < count) {
    // One draw per statement: the operands of + are evaluated in no fixed order, and the
    // output must not depend on the compiler.
    std::string n(rng.pick(kWordA));
    n.append(rng.pick(kWordB));
    if (rng.chance(0.2)) n.append("-").append(rng.pick(kWordB));
    n.append(rng.pick(kTlds));
    if (seen.insert(n).second) out.push_back(std::move(n));
  }
  return out;
}

// Exactly the configured share of each profile, in a seed-dependent order.
std::vector<OutProfile> tail_profiles(Rng& rng, size_t count) {
  std::vector<OutProfile> out;
  for (size_t p = 0; p < size_t(OutProfile::count); ++p) {
    const size_t k = count * size_t(kProfilePerMille[p]) / 1000;
    out.insert(out.end(), k, OutProfile(p));
  }
  out.resize(count, OutProfile::success);
  for (size_t i = out.size(); i > 1; --i) std::swap(out[i - 1], out[rng.below(uint32_t(i))]);
  return out;
}

}  // namespace

std::string_view profile_name(OutProfile p) {
  static constexpr std::string_view names[] = {
      "success", "not_offered", "misordered",  "masked", "ehlo_rejected",
      "refused", "handshake",   "certificate", "lost",   "tls_off"};
  return names[size_t(p)];
}

Vocab make_vocab(Rng& rng, size_t domain_count) {
  domain_count = std::max(domain_count, kHeadDomains.size() + 10);
  Vocab v{{}, Zipf(domain_count, 1.0), {"mycompany.com", "corp.mycompany.com"}, 0};
  v.internal_mx_ip = (10u << 24) | (20u << 16) | (1u << 8) | uint32_t(rng.range(20, 60));
  const size_t tail = domain_count - kHeadDomains.size();
  const auto names = tail_names(rng, tail);
  const auto profiles = tail_profiles(rng, tail);
  for (size_t i = 0; i < domain_count; ++i) {
    Domain d;
    const bool head = i < kHeadDomains.size();
    d.name = head ? std::string(kHeadDomains[i]) : names[i - kHeadDomains.size()];
    d.mx = head ? head_mx(d.name) : (rng.chance(0.5) ? "mx1." : "mail.") + d.name;
    d.ip = public_ip(rng);
    d.profile = head ? OutProfile::success : profiles[i - kHeadDomains.size()];
    d.tls_required = !head && rng.chance(0.06);
    d.ehlo_style = uint8_t(rng.below(4));
    d.max_conns = uint8_t(i < 5 ? 12 : i < 20 ? 4 : i < 100 ? 2 : 1);
    d.response_style = d.name == "gmail.com"           ? 2
                       : d.mx.ends_with("outlook.com") ? 1
                                                       : uint8_t(rng.below(4));
    v.domains.push_back(std::move(d));
  }
  return v;
}

const std::vector<std::string_view> kFirstNames = {
    "james", "mary",  "robert", "patricia", "john",   "jennifer", "michael", "linda",
    "david", "susan", "maria",  "thomas",   "sarah",  "karen",    "daniel",  "nancy",
    "paul",  "lisa",  "mark",   "betty",    "pierre", "anne",     "jose",    "ana",
    "li",    "wei",   "yuki",   "hans",     "greta",  "omar",     "fatima",  "raj",
    "priya", "ivan",  "olga",   "lucas",    "emma",   "noah",     "mia",     "leon"};
const std::vector<std::string_view> kLastNames = {
    "smith",  "johnson", "williams", "brown",  "jones",   "garcia", "miller", "davis",  "martin",
    "lopez",  "wilson",  "moore",    "taylor", "lee",     "walker", "hall",   "young",  "king",
    "wright", "scott",   "dubois",   "muller", "schmidt", "rossi",  "silva",  "santos", "tanaka",
    "chen",   "wang",    "kumar",    "patel",  "novak",   "ivanov", "berg",   "jensen", "kowalski"};
const std::vector<std::string_view> kRoleNames = {"info",       "noreply",
                                                  "billing",    "support",
                                                  "newsletter", "orders",
                                                  "hr",         "alerts",
                                                  "no-reply",   "notifications",
                                                  "sales",      "postmaster",
                                                  "archive"};  // archive: last (bcc copies)

const std::vector<std::string_view> kSubjects = {
    "Invoice 4471 for October",
    "Re: Meeting tomorrow",
    "RE: Problem Report# PR 1123 - Item 7",
    "Fwd: Q3 budget review",
    "Your order has shipped",
    "Weekly status report",
    "Don't forget: team lunch on Friday",
    "Today only: 40% off everything!",
    "Re: contract draft v3",
    "Password expiry notice",
    "Webinar: Working Together: Preventing Departmental Silos",
    "DHL Shipment Notification : 3957207744 ",
    "demande de prix",
    "We've received your request",
    "Re: Re: Re: travel plans",
    "Cuidado ninos sueltos en casa ",
    "Your account statement is ready",
    "=?UTF-8?Q?Paycor=E2=80=99s_Onboarding_gives_you_the_edge?=",
    "=?utf-8?B?wqFTb2xvIHBvciBIb3kh?=",
    "Reminder: performance reviews due",
    "It's time to renew your subscription",
    "New voicemail from +1 555 0143",
    "Agenda for next week's offsite",
    "Security alert: new sign-in",
    "Quarterly newsletter",
    "RE: DDD"};

const std::vector<std::string_view> kCiphers = {
    "ECDHE-RSA-AES256-GCM-SHA384",   "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384", "TLS_AES_256_GCM_SHA384",      "TLS_AES_128_GCM_SHA256",
    "ECDHE-RSA-AES256-SHA384",       "DHE-RSA-AES256-SHA",          "AES128-SHA"};
const std::vector<std::string_view> kOldCiphers = {"AES128-SHA", "RC4-SHA", "DHE-RSA-AES256-SHA",
                                                   "RC4-MD5"};
const std::vector<std::string_view> kAttachments = {
    "invoice.pdf",  "image001.png", "image002.jpg", "report_Q3.xlsx", "CFO_INV_1400691819.pdf",
    "scan0042.pdf", "minutes.docx", "photo.jpg"};
const std::vector<std::string_view> kCountries = {
    "United States", "Germany", "France", "United Kingdom", "Netherlands",        "Canada",
    "Japan",         "Brazil",  "India",  "Australia",      "Russian Federation", "China"};
const std::vector<std::string_view> kSystemLines = {
    "SenderBase upload: 734 hosts totaling 201887 bytes",
    "CASE cache status: hits 44031 misses 2711",
    "graymail [CONFIG] Starting graymail configuration handler",
    "URL_REP_CLIENT: Configuration changed. Triggering restart of URL Reputation client service.",
    "Status: Listening on port 25 for SMTP",
    "Internal SMTP system successfully sent a message to alerts@mycompany.com with subject "
    "'AutoSupport from Cisco IronPort C300V, esa1.example.com'."};

}  // namespace gen
