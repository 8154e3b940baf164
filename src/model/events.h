// The semantic line kinds that later stages act on, and the fields each carries.
//
// A grammar file (grammars/*.toml) names its line kinds freely; a kind that sets
// `event = "<name>"` to one of the names below must capture every field listed for
// that event (by capture name). The loader maps those captures to fixed slots, so a
// consumer reads `ev.field(Slot)` without any lookup at run time. Kinds without an
// `event` are recognised lines that carry no connection state (scanner verdicts,
// status lines...): they are counted as parsed and otherwise ignored.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace mailtls {

struct LineKind;  // parse/grammar.h: the grammar's line kinds

enum class EventType : uint8_t {
  other = 0,      // recognised, no state
  comment,        // '#' lines in pasted or annotated logs (set by the framer)
  log_begin,      // Begin Logfile
  log_version,    // Version: <version> SN: <serial>
  log_offset,     // Time offset from UTC: <seconds> seconds
  log_end,        // End Logfile / Logfile rolled over
  icid_new,       // New SMTP ICID ...
  icid_policy,    // ICID n ACCEPT|REJECT|RELAY|TCPREFUSE ...
  icid_tls_success,
  icid_tls_failed,
  icid_tls_required,  // TLS was required but remote host did not initiate it
  icid_lost,
  icid_close,
  mid_start,      // Start MID m ICID n
  mid_from,
  mid_to,
  mid_message_id,
  mid_subject,
  mid_ready,
  mid_link,       // split / generated from / rewritten: mid is the older, mid2 the newer
  mid_response,   // MID m RID [r...] Response '...'
  mid_finished,   // Message finished MID m done|aborted, Message aborted MID m
  dcid_new,
  dcid_tls_success,
  dcid_tls_failed,
  dcid_starttls_unsupported,
  dcid_tls_required_failed,  // DCID d IP a TLS was required but could not be ...
  delivery_start,
  delivery_done,  // Message done DCID d MID m to RID [...]
  delayed,
  bounced,
  connection_error,
  dcid_close,
  debug_sent,     // <id> Sent: '...'
  debug_rcvd,     // <id> Rcvd: '...'
  // A line that names a connection or a message and carries no TLS state of its own
  // (killed connections, quarantine, scanning verdicts...): kept for the timeline. Given by
  // the kinds that set `note = "<family>"`, and by the generic tier (grammars/generic.toml)
  // for bodies no kind matches.
  note,
  consolidated,   // CEF consolidated event (one per message): the extension's key=value text
  // The TLS result a consolidated event reports for a connection it names: a line of that
  // connection read as the TLS line it stands for (detail "success", or empty for a
  // failure, whose cause the event does not give). Logged when the message is done, so
  // often after the connection's close: the store joins it like Delayed/Bounced lines.
  consolidated_tls,
  dane,           // the outcome of DANE (RFC 7672) for an outbound connection
  // MID m ICID n To: <a> Rejected by Receiving Control: the appliance's own recipient
  // access table refused a recipient (relaying denied for that address). A line of the
  // inbound connection; its detail is the MID.
  icid_rcpt_rejected,
  count_
};

inline constexpr size_t kEventTypeCount = static_cast<size_t>(EventType::count_);
inline constexpr size_t kMaxSlots = 6;

// Slot names, per event, in slot order. Slot 0 is always the main identifier when
// the event has one. Every slot listed must be a named capture in the pattern;
// a capture that did not participate in a match yields an empty field.
struct EventSpec {
  EventType type;
  std::string_view name;
  std::array<std::string_view, kMaxSlots> slots;  // empty string_view ends the list
};

// The table of all events (index == EventType value).
std::span<const EventSpec> event_specs();
std::optional<EventType> event_type_by_name(std::string_view name);
std::string_view event_name(EventType type);
size_t slot_count(EventType type);

// Slot indices, named for readability at the point of use.
namespace slot {
inline constexpr int id = 0;  // icid, dcid, mid or debug-log connection id
// icid_new: id, ip, host, local_ip, interface, verified
// dcid_new: id, ip, port, local_ip, domain
inline constexpr int ip = 1;
inline constexpr int host = 2;
inline constexpr int port = 2;
inline constexpr int local_ip = 3;
inline constexpr int interface = 4;
inline constexpr int new_domain = 4;
inline constexpr int verified = 5;
// icid_policy: id, action, group, sbrs
inline constexpr int action = 1;
inline constexpr int group = 2;
inline constexpr int sbrs = 3;
// *_tls_success: id, protocol, cipher, domain(dcid only)
inline constexpr int protocol = 1;
inline constexpr int cipher = 2;
inline constexpr int tls_domain = 3;
// *_tls_failed: id, reason
inline constexpr int reason = 1;
// dcid_tls_required_failed: id, ip (slot ip)
// mid_start: id(mid), icid
// mid_from: id(mid), icid, address ; mid_to: id(mid), icid, rid, address
inline constexpr int icid = 1;
inline constexpr int from_address = 2;
inline constexpr int rid = 2;
inline constexpr int to_address = 3;
// mid_message_id / mid_subject: id(mid), value
inline constexpr int value = 1;
// mid_ready: id(mid), bytes, address
inline constexpr int bytes = 1;
inline constexpr int ready_address = 2;
// mid_link: id(older mid), mid2(newer mid), how
inline constexpr int mid2 = 1;
inline constexpr int how = 2;
// mid_response: id(mid), rids, response
inline constexpr int response_rids = 1;
inline constexpr int response = 2;
// mid_finished: id(mid), result
inline constexpr int result = 1;
// delivery_start / delivery_done: id(dcid), mid, rids
inline constexpr int mid = 1;
inline constexpr int rids = 2;
// delayed / bounced: id(dcid, may be empty), mid, rid, to, detail
inline constexpr int bounce_mid = 1;
inline constexpr int bounce_rid = 2;
inline constexpr int bounce_to = 3;
inline constexpr int detail = 4;
// connection_error: id(dcid), domain, ip, reason
inline constexpr int error_domain = 1;
inline constexpr int error_ip = 2;
inline constexpr int error_reason = 3;
// debug_sent / debug_rcvd: id, text
inline constexpr int text = 1;
// note: id (the number), ref (the word before it: MID, ICID, DCID, RCID or RID), family
inline constexpr int ref = 1;
inline constexpr int family = 2;
// consolidated: extension (no id: the extension names ESAICID, ESADCID, ESAMID)
inline constexpr int extension = 0;
// consolidated_tls: id, status, protocol, cipher
inline constexpr int tls_status = 1;
// dane: id(dcid), status ("success", "failure"...), host
inline constexpr int dane_status = 1;
inline constexpr int dane_host = 2;
// icid_rcpt_rejected: id(icid), mid (slot mid), address, by
inline constexpr int rcpt_address = 2;
inline constexpr int rcpt_by = 3;
// log_version: version, serial (no id)
inline constexpr int version = 0;
inline constexpr int serial = 1;
// log_offset: seconds
inline constexpr int seconds = 0;
}  // namespace slot

// One matched line: its kind, its event and the fields in slot order. The fields are
// views into the matched body (the matcher fills them, parse/matcher.h).
struct Event {
  const LineKind* kind = nullptr;  // null when nothing matched
  EventType type = EventType::other;
  std::array<std::string_view, kMaxSlots> fields{};
  std::string_view field(int slot) const { return fields[slot]; }
};

}  // namespace mailtls
