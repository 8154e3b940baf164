// The data that flows between the sessions stage, the classifier, the store and the
// reports: connections with their evidence, messages, and verdicts. Plain structs, no
// behaviour, so every stage can include this without pulling in another stage.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/events.h"
#include "model/vocabulary.h"

namespace mailtls {

enum class Direction : uint8_t { inbound, outbound };
std::string_view direction_name(Direction d);  // "inbound" / "outbound"
std::optional<Direction> direction_by_name(std::string_view name);

// Where a line came from: the source (sources.id) and its 1-based line number.
struct LineRef {
  int64_t source_id = 0;
  int64_t line_no = 0;
};

// A mail_logs line that belongs to a connection and may serve as evidence: its opening,
// TLS lines, errors, loss, close, delayed/bounced lines of its messages.
struct LogLine {
  EventType type = EventType::other;
  std::string text;    // the line as read (localized lines: restored to English)
  std::string detail;  // the event's most useful field (TLS failure reason, error reason...)
  LineRef ref;
  int64_t time = 0;    // UTC seconds, 0 when unknown
};

enum class Sender : uint8_t { client, server };
std::string_view sender_name(Sender s);  // "client" / "server"

// One line of the SMTP dialogue. For a server reply that spans several lines
// (250-...), each line is its own TranscriptLine.
struct TranscriptLine {
  Sender sender = Sender::client;
  std::string text;  // without the log framing and quotes: "250-STARTTLS"
  LineRef ref;
  int64_t time = 0;
};

struct Delivery {
  int64_t message_id = 0;  // messages.id
  int64_t mid = 0;
  int rid = 0;
  DeliveryResult result = DeliveryResult::started;
  std::string response;  // the remote reply or bounce detail
};

struct Connection {
  int64_t id = 0;  // connections.id, assigned by the store when created
  std::string appliance;
  Direction direction = Direction::inbound;
  int64_t conn_id = 0;    // ICID or DCID
  int64_t started_at = 0; // UTC seconds; 0 when the opening is not in the logs
  int64_t ended_at = 0;   // 0 when the close is not in the logs
  int64_t last_seen = 0;  // log time of the last line that touched it
  bool has_open = false;  // the New SMTP line was read
  bool has_close = false; // the close line was read
  std::string peer_ip, peer_host, domain;
  std::string local_ip;  // the appliance's address on this connection (its interface)
  std::string tls_protocol, tls_cipher;
  std::vector<LogLine> log;
  std::vector<TranscriptLine> transcript;
  std::vector<Delivery> deliveries;
  // Inbound: the MIDs whose `Start MID ... ICID` line names this connection (copies made
  // by a rewrite or split did not cross the network and are not counted).
  int64_t messages_received = 0;
};

struct Recipient {
  int rid = 0;
  std::string address;
};

struct Message {
  int64_t id = 0;  // messages.id
  std::string appliance;
  int64_t mid = 0;
  int64_t icid = -1;  // -1 when not known
  std::string mail_from, subject, message_id;
  int64_t bytes = -1;
  std::vector<Recipient> recipients;
  // Lines about the message that change none of the above (quarantine, scanning verdicts,
  // filters...: `note` events naming its MID), in log order, for the timeline. Each line's
  // detail is its generic family.
  std::vector<LogLine> events;
};

struct Finding {
  FindingCode code = FindingCode::tls_required;
  std::string detail;  // free detail for the explainer (may be empty)
};

// A line the classifier relied on, quoted with its origin.
struct Evidence {
  LineRef ref;
  std::string text;
  EvidenceRole role = EvidenceRole::tls_line;  // what it shows (the explainer renders it)
};

struct EhloKeyword {
  std::string keyword;  // upper case: "STARTTLS", "SIZE"
  std::string params;   // "10485760"
};

// What the classifier concludes: codes and evidence only, no prose.
struct Verdict {
  Outcome outcome = Outcome::unknown;
  Confidence confidence = Confidence::low;
  std::string detail;               // e.g. certificate failure kind, the TLS error text
  std::vector<Finding> findings;
  std::vector<Evidence> evidence;
  std::vector<std::string> candidates;  // candidate-cause codes when confidence is low
  std::vector<std::string> references;  // "RFC 3207 §4.2"
  std::vector<EhloKeyword> keywords_before_tls, keywords_after_tls;
};

}  // namespace mailtls
