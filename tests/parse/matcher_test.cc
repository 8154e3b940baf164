#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <set>
#include <memory>
#include <string>
#include <vector>

#include "parse/grammar.h"
#include "parse/matcher.h"

#include "shipped_data.h"

namespace fs = std::filesystem;
using namespace mailtls;

namespace {

using testing::shipped_grammar;

struct Case {
  std::string body;
  std::string event;                          // expected event name ("other" = no state)
  std::map<std::string, std::string> fields;  // slot name -> value
};

// Real lines (corpus, seeds, Cisco documentation), one or more per event type.
const std::vector<Case> kCases = {
    {"Begin Logfile", "log_begin", {}},
    {"Version: 15.0.1-030 SN: 4C4C4544-ABCD", "log_version", {{"version", "15.0.1-030"}, {"serial", "4C4C4544-ABCD"}}},
    {"Time offset from UTC: -21600 seconds", "log_offset", {{"seconds", "-21600"}}},
    {"End Logfile", "log_end", {}},
    {"Logfile rolled over", "log_end", {}},
    {"New SMTP ICID 824108 interface Data 1 (23.90.98.53) address 136.143.188.59 reverse dns host sender4-of-o59.zoho.com verified yes",
     "icid_new",
     {{"id", "824108"}, {"interface", "Data 1"}, {"local_ip", "23.90.98.53"}, {"ip", "136.143.188.59"},
      {"host", "sender4-of-o59.zoho.com"}, {"verified", "yes"}}},
    {"New smtp ICID 282204971 interface Management\n(10.10.10.1) address 192.168.1.1 reverse dns host unknown verified no",
     "icid_new", {{"id", "282204971"}, {"interface", "Management"}, {"ip", "192.168.1.1"}, {"verified", "no"}}},
    {"ICID 824108 ACCEPT SG ACCEPTLIST match sbrs[0.0:10.0] SBRS 3.4 country United States", "icid_policy",
     {{"id", "824108"}, {"action", "ACCEPT"}, {"group", "ACCEPTLIST"}, {"sbrs", "3.4"}}},
    {"ICID 282204970 ACCEPT SG None match SBRS None", "icid_policy", {{"group", "None"}, {"sbrs", "None"}}},
    {"ICID 824107 Delayed HAT REJECT continuing session for recipient logging (10.8.236.135)", "icid_policy",
     {{"id", "824107"}, {"action", "REJECT"}}},
    {"ICID 33256263 Receiving Failed: Connection limit exceeded", "icid_policy",
     {{"id", "33256263"}, {"action", "Connection limit exceeded"}}},
    {"ICID 9033 Receiving Failed: Message loop", "note",
     {{"id", "9033"}, {"ref", "ICID"}, {"family", "receiving-failed"}}},
    {"ICID 824108 TLS success protocol TLSv1.2 cipher ECDHE-RSA-AES256-GCM-SHA384", "icid_tls_success",
     {{"id", "824108"}, {"protocol", "TLSv1.2"}, {"cipher", "ECDHE-RSA-AES256-GCM-SHA384"}}},
    {"ICID 282204970 TLS success", "icid_tls_success", {{"id", "282204970"}, {"protocol", ""}}},
    {"ICID 4 TLS failed: [Errno 54] Connection reset by peer", "icid_tls_failed",
     {{"id", "4"}, {"reason", "[Errno 54] Connection reset by peer"}}},
    {"ICID 282204971 TLS failed", "icid_tls_failed", {{"id", "282204971"}, {"reason", ""}}},
    {"ICID 8 TLS was required but remote host did not initiate it", "icid_tls_required", {{"id", "8"}}},
    {"ICID 4 lost", "icid_lost", {{"id", "4"}}},
    {"ICID 60140291 close  ", "icid_close", {{"id", "60140291"}}},
    {"Start MID 26983 ICID 824108", "mid_start", {{"id", "26983"}, {"icid", "824108"}}},
    {"MID 26983 ICID 824108 From: <noreply-dmarc@zoho.com>", "mid_from",
     {{"id", "26983"}, {"icid", "824108"}, {"address", "noreply-dmarc@zoho.com"}}},
    {"MID 38637862 ICID 69610481 RID 0 To: <thomas.force@temple.edu>", "mid_to",
     {{"id", "38637862"}, {"icid", "69610481"}, {"rid", "0"}, {"address", "thomas.force@temple.edu"}}},
    {"MID 286962029 ICID 197132478 To: <gandhi-apurva@cooperhealth.edu>", "mid_to",
     {{"rid", ""}, {"address", "gandhi-apurva@cooperhealth.edu"}}},
    {"MID 1347675626 ICID 306398794 To: <user@example.com> Rejected by Receiving Control", "icid_rcpt_rejected",
     {{"id", "306398794"}, {"mid", "1347675626"}, {"address", "user@example.com"}, {"by", "Receiving Control"}}},
    {"MID 64855 Message-ID '<op.zfdwolzf0ubsb2@mathew.cisco.com>'", "mid_message_id",
     {{"id", "64855"}, {"value", "<op.zfdwolzf0ubsb2@mathew.cisco.com>"}}},
    {"MID 38637862 Subject 'Your connection Nancie Jordan has endorsed you!'", "mid_subject",
     {{"id", "38637862"}, {"value", "Your connection Nancie Jordan has endorsed you!"}}},
    {"MID 4 Subject \"Testing\"", "mid_subject", {{"value", "Testing"}}},
    {"MID 204841507 Subject Re: [example: #129226] FW: example", "mid_subject", {{"value", "Re: [example: #129226] FW: example"}}},
    {"MID 64855 ready 494 bytes from <matt@abc.com>", "mid_ready", {{"id", "64855"}, {"bytes", "494"}, {"address", "matt@abc.com"}}},
    {"MID 24611495 was generated based on MID 24611421 by bcc filter 'FireEye_BCC'", "mid_link",
     {{"id", "24611421"}, {"mid2", "24611495"}, {"how", "generated"}}},
    {"MID 24611507 was split creating MID 24611528 due to a SL/BL configuration for following recipients: user37@mycompany.com",
     "mid_link", {{"id", "24611507"}, {"mid2", "24611528"}, {"how", "split"}}},
    {"MID 38637862 rewritten to MID 38637865 by LDAP rewrite", "mid_link", {{"id", "38637862"}, {"mid2", "38637865"}, {"how", "rewritten"}}},
    {"MID 68119155 RID [0] Response '2.0.0 OK  1687954632 redactedstring - gsmtp'", "mid_response",
     {{"id", "68119155"}, {"rids", "0"}, {"response", "2.0.0 OK  1687954632 redactedstring - gsmtp"}}},
    {"Message finished MID 38637862 done", "mid_finished", {{"id", "38637862"}, {"result", "done"}}},
    {"Message aborted MID 24611411 Dropped by CASE", "other", {}},  // `Message finished` ends it
    {"New SMTP DCID 7436 interface 10.10.1.12 address 10.10.1.25 port 25", "dcid_new",
     {{"id", "7436"}, {"local_ip", "10.10.1.12"}, {"ip", "10.10.1.25"}, {"port", "25"}}},
    {"New SMTP DCID 2386069 interface 1.2.3.4 address 1.2.3.4", "dcid_new", {{"id", "2386069"}, {"port", ""}}},
    {"DCID 6565555 TLS success protocol TLSv1 cipher AES128-SHA ", "dcid_tls_success",
     {{"id", "6565555"}, {"protocol", "TLSv1"}, {"cipher", "AES128-SHA"}, {"domain", ""}}},
    {"DCID 112095 TLS success protocol TLSv1 cipher AES128-SHA for dummy_domain.com", "dcid_tls_success",
     {{"cipher", "AES128-SHA"}, {"domain", "dummy_domain.com"}}},
    {"DCID 239490 TLS success protocol TLSv1 cipher RC4-SHA CN=c602.soma.ironport.com", "dcid_tls_success",
     {{"protocol", "TLSv1"}, {"cipher", "RC4-SHA"}}},
    {"DCID 33 TLS success CN: <eq-c601.ironport.com>", "dcid_tls_success", {{"id", "33"}}},
    {"DCID 80167 TLS failed: STARTTLS unexpected response", "dcid_tls_failed",
     {{"id", "80167"}, {"reason", "STARTTLS unexpected response"}}},
    {"DCID xxxxxx STARTTLS command not supported.", "dcid_starttls_unsupported", {{"id", "xxxxxx"}}},
    {"DCID 12 STARTTLS command not supported", "dcid_starttls_unsupported", {{"id", "12"}}},
    {"DCID 8 IP 204.15.82.140 TLS was required but could not be successfully negotiated", "dcid_tls_required_failed",
     {{"id", "8"}, {"ip", "204.15.82.140"}}},
    {"Delivery start DCID 30 MID 14 to RID [0]", "delivery_start", {{"id", "30"}, {"mid", "14"}, {"rids", "0"}}},
    {"Message done DCID 26936064 MID 78147001 to RID [0] [('from', 'service-account@company.domain'), ('to', 'userA@company.domain, userB@company.domain')]",
     "delivery_done", {{"id", "26936064"}, {"mid", "78147001"}, {"rids", "0"}}},
    {"Message done DCID 8 MID 6 to RID [0, 1]", "delivery_done", {{"rids", "0, 1"}}},
    {"Delayed: DCID 8414309 MID 19410908 From: <WeiZhang@example.com> To: <mcintosh@buttercupgames.com> RID 0 - 4.3.2 - Not accepting messages at this time ('421', ['4.3.2 try again later'])",
     "delayed",
     {{"id", "8414309"}, {"mid", "19410908"}, {"rid", "0"}, {"to", "mcintosh@buttercupgames.com"},
      {"detail", "4.3.2 - Not accepting messages at this time ('421', ['4.3.2 try again later'])"}}},
    {"Delayed: 44451135:0\nFrom:<campaign1@yourdomain.com> To:<user@sampledomain.com>\nReason: \"4.1.0 - Unknown address error\" Response: \"('451', [])\"",
     "delayed", {{"id", ""}, {"mid", "44451135"}, {"rid", "0"}, {"to", "user@sampledomain.com"}}},
    {"Bounced: DCID 8413617 MID 19338947 From: <MariaDubois@example.com> To: <zecora@buttercupgames.com> RID 0 - 5.4.7 - Delivery expired (message too old) ('000', ['timeout'])",
     "bounced", {{"id", "8413617"}, {"mid", "19338947"}, {"rid", "0"}, {"to", "zecora@buttercupgames.com"}}},
    {"Bounced: 123:123 From:<example.com> To:<example.com>", "bounced",
     {{"id", ""}, {"mid", "123"}, {"rid", "123"}, {"to", "example.com"}}},
    {"Connection Error: DCID 63 domain: domainsample2.com IP: 10.13.101.31 port: 25 details: [Errno 0] Error interface: 10.10.192.50 reason: network error",
     "connection_error",
     {{"id", "63"}, {"domain", "domainsample2.com"}, {"ip", "10.13.101.31"}, {"reason", "network error"}}},
    {"Connection Error: DCID: 263 IP: 128.242.110.90 details: EOF interface: 128.197.12.246 reason: network error",
     "connection_error", {{"id", "263"}, {"domain", ""}, {"ip", "128.242.110.90"}}},
    {"DCID 30 close", "dcid_close", {{"id", "30"}}},
    {"5165207 Sent: 'EHLO mx4.example.com'", "debug_sent", {{"id", "5165207"}, {"text", "EHLO mx4.example.com"}}},
    {"5165207 Rcvd: '250-8BITMIME", "debug_rcvd", {{"id", "5165207"}, {"text", "250-8BITMIME"}}},
    {"102503993 Rcvd: '250 OK'", "debug_rcvd", {{"text", "250 OK"}}},
    // recognised lines without connection state
    {"MID 64855 using engine: GRAYMAIL negative", "other", {}},
    {"Message 548799 to RID [712290] pending till Mon Aug 10 09:56:56 2020", "other", {}},
    {"SSL error with client 209.141.51.176:37222 - (336027804, 'error:1407609C:SSL routines:SSL23_GET_CLIENT_HELLO:http request')", "other", {}},
    {"CEF:0|Cisco|C100V Email Security Virtual Appliance|14.3.0-032|ESA_CONSOLIDATED_LOG_EVENT|Consolidated Log Event|5|ESATLSInConnStatus=Success", "consolidated", {{"extension", "ESATLSInConnStatus=Success"}}},
};

std::string field_by_name(const Event& ev, const std::string& name) {
  const auto& spec = event_specs()[static_cast<size_t>(ev.type)];
  for (size_t i = 0; i < slot_count(ev.type); ++i)
    if (spec.slots[i] == name) return std::string(ev.field(static_cast<int>(i)));
  FAIL("event " << spec.name << " has no slot " << name);
  return {};
}

}  // namespace

TEST_CASE("real lines yield their event and fields", "[matcher]") {
  Matcher matcher(shipped_grammar());
  for (const auto& c : kCases) {
    INFO("body: " << c.body);
    Event ev;
    REQUIRE(matcher.match(c.body, ev));
    REQUIRE(ev.kind);
    CHECK(event_name(ev.type) == c.event);
    for (const auto& [name, value] : c.fields) CHECK(field_by_name(ev, name) == value);
  }
}

TEST_CASE("the table covers every event type the matcher can produce", "[matcher]") {
  std::set<std::string> covered;
  for (const auto& c : kCases) covered.insert(c.event);
  for (const auto& spec : event_specs()) {
    if (spec.type == EventType::comment) continue;  // set by the framer
    // Made by sessions from a consolidated event's fields, not by a kind (sessions.cc).
    if (spec.type == EventType::consolidated_tls || spec.type == EventType::dane) continue;
    INFO(spec.name);
    CHECK(covered.count(std::string(spec.name)));
  }
}

TEST_CASE("a body no kind knows is not matched and leaves the event empty", "[matcher]") {
  Matcher matcher(shipped_grammar());
  Event ev;
  for (const char* body : {"", "   ", "MID 5 frobnicated", "Hello world", "12345 Frobbed: 'x'"}) {
    INFO(body);
    REQUIRE(matcher.match("ICID 5 close", ev));  // an event left over from the line before
    CHECK_FALSE(matcher.match(body, ev, 0));     // kinds only: "MID 5 ..." is generic (generic_tier_test)
    CHECK(ev.kind == nullptr);
    CHECK(ev.fields[0].empty());
  }
}

TEST_CASE("fields are views into the body, not copies", "[matcher]") {
  Matcher matcher(shipped_grammar());
  std::string body = "ICID 42 close";
  Event ev;
  REQUIRE(matcher.match(body, ev));
  CHECK(ev.field(slot::id).data() == body.data() + 5);
}
