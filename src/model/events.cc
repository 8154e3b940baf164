#include "model/events.h"

#include <algorithm>

namespace mailtls {
namespace {

using E = EventType;

// Order must follow the EventType enumeration; a static check below keeps them aligned.
constexpr EventSpec kSpecs[] = {
    {E::other, "other", {}},
    {E::comment, "comment", {}},
    {E::log_begin, "log_begin", {}},
    {E::log_version, "log_version", {"version", "serial"}},
    {E::log_offset, "log_offset", {"seconds"}},
    {E::log_end, "log_end", {}},
    {E::icid_new, "icid_new", {"id", "ip", "host", "local_ip", "interface", "verified"}},
    {E::icid_policy, "icid_policy", {"id", "action", "group", "sbrs"}},
    {E::icid_tls_success, "icid_tls_success", {"id", "protocol", "cipher"}},
    {E::icid_tls_failed, "icid_tls_failed", {"id", "reason"}},
    {E::icid_tls_required, "icid_tls_required", {"id"}},
    {E::icid_lost, "icid_lost", {"id"}},
    {E::icid_close, "icid_close", {"id"}},
    {E::mid_start, "mid_start", {"id", "icid"}},
    {E::mid_from, "mid_from", {"id", "icid", "address"}},
    {E::mid_to, "mid_to", {"id", "icid", "rid", "address"}},
    {E::mid_message_id, "mid_message_id", {"id", "value"}},
    {E::mid_subject, "mid_subject", {"id", "value"}},
    {E::mid_ready, "mid_ready", {"id", "bytes", "address"}},
    {E::mid_link, "mid_link", {"id", "mid2", "how"}},
    {E::mid_response, "mid_response", {"id", "rids", "response"}},
    {E::mid_finished, "mid_finished", {"id", "result"}},
    {E::dcid_new, "dcid_new", {"id", "ip", "port", "local_ip", "domain"}},
    {E::dcid_tls_success, "dcid_tls_success", {"id", "protocol", "cipher", "domain"}},
    {E::dcid_tls_failed, "dcid_tls_failed", {"id", "reason"}},
    {E::dcid_starttls_unsupported, "dcid_starttls_unsupported", {"id"}},
    {E::dcid_tls_required_failed, "dcid_tls_required_failed", {"id", "ip"}},
    {E::delivery_start, "delivery_start", {"id", "mid", "rids"}},
    {E::delivery_done, "delivery_done", {"id", "mid", "rids"}},
    {E::delayed, "delayed", {"id", "mid", "rid", "to", "detail"}},
    {E::bounced, "bounced", {"id", "mid", "rid", "to", "detail"}},
    {E::connection_error, "connection_error", {"id", "domain", "ip", "reason"}},
    {E::dcid_close, "dcid_close", {"id"}},
    {E::debug_sent, "debug_sent", {"id", "text"}},
    {E::debug_rcvd, "debug_rcvd", {"id", "text"}},
    {E::note, "note", {"id", "ref", "family"}},
    {E::consolidated, "consolidated", {"extension"}},
    {E::consolidated_tls, "consolidated_tls", {"id", "status", "protocol", "cipher"}},
    {E::dane, "dane", {"id", "status", "host"}},
    {E::icid_rcpt_rejected, "icid_rcpt_rejected", {"id", "mid", "address", "by"}},
};

constexpr bool specs_aligned() {
  for (size_t i = 0; i < std::size(kSpecs); ++i)
    if (static_cast<size_t>(kSpecs[i].type) != i) return false;
  return std::size(kSpecs) == kEventTypeCount;
}
static_assert(specs_aligned(), "kSpecs must list every EventType in enumeration order");

}  // namespace

std::span<const EventSpec> event_specs() { return kSpecs; }

std::optional<EventType> event_type_by_name(std::string_view name) {
  for (const auto& spec : kSpecs)
    if (spec.name == name) return spec.type;
  return std::nullopt;
}

std::string_view event_name(EventType type) { return kSpecs[static_cast<size_t>(type)].name; }

size_t slot_count(EventType type) {
  const auto& slots = kSpecs[static_cast<size_t>(type)].slots;
  return std::find(slots.begin(), slots.end(), std::string_view{}) - slots.begin();
}

}  // namespace mailtls
