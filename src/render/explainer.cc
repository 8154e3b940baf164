#include "render/explainer.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <sstream>
#include <tuple>

namespace mailtls {
namespace {

using Vars = std::map<std::string, std::string>;

// Everything one rendering needs, so helpers take one argument instead of five.
struct Ctx {
  const Connection& c;
  const Verdict& v;
  const Texts& t;
  const SourceNames& sources;
  const ReferenceTitles& refs;
  const MessageEvents& events;
};

std::string utc_time(int64_t t) {
  if (t <= 0) return {};
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);  // ISO 8601 UTC, as summary writes
  return buf;
}

std::string upper(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return s;
}

std::string peer_label(const Ctx& x) {
  const auto& c = x.c;
  if (!c.peer_host.empty() && !c.peer_ip.empty()) return c.peer_host + " (" + c.peer_ip + ")";
  if (!c.peer_host.empty()) return c.peer_host;
  if (!c.peer_ip.empty()) return c.peer_ip;
  return x.t.get("explain.unknown-peer");
}

std::string domain_label(const Ctx& x) {
  return x.c.domain.empty() ? x.t.get("explain.unknown-domain") : x.c.domain;
}

// A certificate problem kind has its own words; any other detail is quoted as logged.
std::string detail_label(const Ctx& x) {
  if (x.v.detail.empty()) return x.t.get("explain.no-detail");
  const std::string key = "tls-detail." + x.v.detail;
  return x.t.has(key) ? x.t.get(key) : x.v.detail;
}

Vars outcome_vars(const Ctx& x) {
  return {{"peer", peer_label(x)}, {"domain", domain_label(x)}, {"detail", detail_label(x)}};
}

// outcome.<id>.pasted.<field> speaks of a pasted dialogue, which has no logs to blame;
// outcome.<id>.<detail>.<field> speaks to what the evidence showed when the detail is a
// kind with words of its own (the appliance's EHLO reply without STARTTLS is the
// listener's doing); outcome.<id>.<direction>.<field> lets a direction say it differently
// (who acts on an inbound masked STARTTLS is not who acts on an outbound one);
// outcome.<id>.low.<field> lets a verdict that rests on one log line say so instead of
// asserting one cause.
std::string outcome_text(const Ctx& x, std::string_view field) {
  const std::string base = "outcome." + std::string(outcome_name(x.v.outcome)) + ".";
  const std::string kind = x.v.detail.empty() ? "" : base + x.v.detail + "." + std::string(field);
  const std::string directed = base + std::string(direction_name(x.c.direction)) + "." + std::string(field);
  const std::string hedged = base + "low." + std::string(field);
  const std::string pasted = base + "pasted." + std::string(field);
  const std::string pasted_low = base + "pasted.low." + std::string(field);
  const bool is_paste = x.c.conn_id == 0 && x.c.appliance.empty();
  const bool low = x.v.confidence == Confidence::low;
  std::string key = base + std::string(field);
  if (is_paste && low && x.t.has(pasted_low)) key = pasted_low;
  else if (is_paste && x.t.has(pasted)) key = pasted;
  else if (!kind.empty() && x.t.has(kind)) key = kind;
  else if (x.t.has(directed)) key = directed;
  else if (x.v.confidence == Confidence::low && x.t.has(hedged)) key = hedged;
  return x.t.render(key, outcome_vars(x));
}

std::string source_name(const Ctx& x, int64_t source_id) {
  auto it = x.sources.find(source_id);
  return it != x.sources.end() ? it->second : "source " + std::to_string(source_id);
}

std::string location(const Ctx& x, const LineRef& ref) {
  if (ref.line_no <= 0) return x.t.get("explain.no-location");
  return source_name(x, ref.source_id) + ":" + std::to_string(ref.line_no);
}

std::string role_label(const Ctx& x, EvidenceRole role) {
  const std::string name(evidence_role_name(role));
  const std::string key = "evidence." + name;
  return x.t.has(key) ? x.t.get(key) : name;
}

std::string keyword_meaning(const Texts& t, const std::string& keyword) {
  const std::string key = "keyword." + upper(keyword) + ".meaning";
  return t.has(key) ? t.get(key) : t.get("keyword.unknown.meaning");
}

std::string reference_line(const Ctx& x, const std::string& ref) {
  auto it = x.refs.find(ref);
  return it == x.refs.end() || it->second.empty() ? ref : ref + " (" + it->second + ")";
}

// A connection with id 0 was never logged by an appliance (ESA ids start at 1): it is a
// dialogue a person pasted, named by the file it came from.
std::string pasted_line(const Ctx& x) {
  const auto& tr = x.c.transcript;
  const auto& log = x.c.log;
  const std::string source = !tr.empty()    ? source_name(x, tr.front().ref.source_id)
                             : !log.empty() ? source_name(x, log.front().ref.source_id)
                                            : std::string("-");
  return x.t.render("explain.pasted", {{"source", source}});
}

std::string connection_line(const Ctx& x) {
  const auto& c = x.c;
  if (c.conn_id == 0 && c.appliance.empty()) return pasted_line(x);
  std::string line = x.t.render("explain.connection-line",
      {{"direction", x.t.get("direction." + std::string(direction_name(c.direction)))},
       {"id_name", c.direction == Direction::outbound ? "DCID" : "ICID"},
       {"conn_id", std::to_string(c.conn_id)},
       {"appliance", c.appliance.empty() ? x.t.get("explain.no-appliance") : c.appliance},
       {"peer", peer_label(x)}});
  if (!c.domain.empty()) line += ", " + x.t.render("explain.connection-domain", {{"domain", c.domain}});
  if (c.started_at > 0 || c.ended_at > 0) {
    const std::string unknown = x.t.get("explain.time-unknown");
    const std::string start = c.started_at > 0 ? utc_time(c.started_at) : unknown;
    const std::string end = c.ended_at > 0 ? utc_time(c.ended_at) : unknown;
    line += ", " + x.t.render("explain.connection-time", {{"start", start}, {"end", end}});
  }
  return line;
}

void section(std::ostream& out, const Ctx& x, std::string_view label, const std::string& body) {
  out << "\n" << x.t.get("explain." + std::string(label)) << ":\n  " << body << "\n";
}

void write_header(std::ostream& out, const Ctx& x) {
  const std::string outcome(outcome_name(x.v.outcome));
  out << x.t.get("explain.verdict") << ": " << outcome_text(x, "title") << " (" << outcome << ")\n";
  out << x.t.get("explain.confidence") << ": "
      << x.t.get("confidence." + std::string(confidence_name(x.v.confidence))) << "\n";
  out << x.t.get("explain.connection") << ": " << connection_line(x) << "\n";
  if (!x.c.tls_protocol.empty() || !x.c.tls_cipher.empty())
    out << "  " << x.t.render("explain.tls-used", {{"protocol", x.c.tls_protocol},
                                                   {"cipher", x.c.tls_cipher}}) << "\n";
}

// Evidence in log order, so a quoted dialogue reads as it happened; lines without a
// place in a file keep their order after the others.
std::vector<Evidence> in_log_order(const std::vector<Evidence>& evidence) {
  std::vector<Evidence> sorted = evidence;
  std::stable_sort(sorted.begin(), sorted.end(), [](const Evidence& a, const Evidence& b) {
    if ((a.ref.line_no > 0) != (b.ref.line_no > 0)) return a.ref.line_no > 0;
    return std::pair(a.ref.source_id, a.ref.line_no) < std::pair(b.ref.source_id, b.ref.line_no);
  });
  return sorted;
}

void write_evidence(std::ostream& out, const Ctx& x) {
  if (x.v.evidence.empty()) return;
  out << "\n" << x.t.get("explain.evidence") << ":\n";
  for (const auto& e : in_log_order(x.v.evidence))
    out << "  " << location(x, e.ref) << " [" << role_label(x, e.role) << "]\n"
        << "    " << e.text << "\n";
}

void write_findings(std::ostream& out, const Ctx& x) {
  if (x.v.findings.empty()) return;
  out << "\n" << x.t.get("explain.findings") << ":\n";
  for (const auto& f : x.v.findings) {
    const std::string code(finding_name(f.code));
    out << "  - " << x.t.get("finding." + code + ".title") << " (" << code << "): "
        << x.t.get("finding." + code + ".text") << "\n";
    if (!f.detail.empty())
      out << "    " << x.t.render("explain.finding-detail", {{"detail", f.detail}}) << "\n";
  }
}

void write_references(std::ostream& out, const Ctx& x) {
  if (x.v.references.empty()) return;
  out << "\n" << x.t.get("explain.standards") << ":\n";
  for (const auto& r : x.v.references) out << "  - " << reference_line(x, r) << "\n";
}

void write_keyword_list(std::ostream& out, const Ctx& x, std::string_view label,
                        const std::vector<EhloKeyword>& keywords) {
  out << "\n" << x.t.get("explain." + std::string(label)) << ":\n";
  if (keywords.empty()) out << "  " << x.t.get("explain.keywords-none") << "\n";
  for (const auto& k : keywords) {
    out << "  - " << k.keyword << (k.params.empty() ? "" : " " + k.params) << ": "
        << keyword_meaning(x.t, k.keyword) << "\n";
  }
}

void write_keywords(std::ostream& out, const Ctx& x) {
  write_keyword_list(out, x, "keywords-before", x.v.keywords_before_tls);
  if (!x.v.keywords_after_tls.empty())
    write_keyword_list(out, x, "keywords-after", x.v.keywords_after_tls);
}

// Low confidence means the logs fit several causes: name them, and the debug log that
// would record the SMTP dialogue and settle the question.
void write_candidates(std::ostream& out, const Ctx& x) {
  if (x.v.confidence != Confidence::low) return;
  out << "\n" << x.t.get("explain.candidates") << ":\n";
  for (const auto& code : x.v.candidates)
    out << "  - " << x.t.get("candidate." + code + ".text") << "\n";
  const char* key = x.c.direction == Direction::outbound ? "explain.debug-outbound" : "explain.debug-inbound";
  out << "  " << x.t.render(key, {{"domain", domain_label(x)}, {"peer", peer_label(x)}}) << "\n";
}

nlohmann::json optional_time(int64_t t) {
  return t > 0 ? nlohmann::json(utc_time(t)) : nlohmann::json(nullptr);
}

// A value the logs did not give is null, never "".
nlohmann::json text_or_null(const std::string& text) {
  return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text);
}

// The connection's lines and its messages' events in time order (lines of one time in
// file order).
std::vector<const LogLine*> timeline(const Ctx& x) {
  std::vector<const LogLine*> lines;
  for (const auto& l : x.c.log) lines.push_back(&l);
  for (const auto& l : x.events) lines.push_back(&l);
  std::stable_sort(lines.begin(), lines.end(), [](const LogLine* a, const LogLine* b) {
    return std::tuple(a->time, a->ref.source_id, a->ref.line_no) < std::tuple(b->time, b->ref.source_id, b->ref.line_no);
  });
  return lines;
}

bool has_notes(const Ctx& x) {
  return !x.events.empty() || std::any_of(x.c.log.begin(), x.c.log.end(), [](const LogLine& l) {
           return l.type == EventType::note || l.type == EventType::dane ||
                  l.type == EventType::icid_rcpt_rejected;
         });
}

// A note is labelled by its family, any other line by its kind of event.
std::string timeline_label(const Ctx& x, const LogLine& l) {
  const std::string key = l.type == EventType::note ? "family." + l.detail
                                                    : "event." + std::string(event_name(l.type));
  if (x.t.has(key)) return x.t.get(key);
  return l.type == EventType::note ? l.detail : std::string(event_name(l.type));
}

void write_timeline(std::ostream& out, const Ctx& x) {
  if (!has_notes(x)) return;
  out << "\n" << x.t.get("explain.timeline") << ":\n";
  for (const LogLine* l : timeline(x)) {
    const std::string when = l->time > 0 ? utc_time(l->time) : x.t.get("explain.time-unknown");
    out << "  " << when << "  [" << timeline_label(x, *l) << "] " << location(x, l->ref) << "\n"
        << "    " << l->text << "\n";
  }
}

nlohmann::json timeline_json(const Ctx& x) {
  auto list = nlohmann::json::array();
  for (const LogLine* l : timeline(x)) {
    nlohmann::json source = nullptr;
    if (l->ref.line_no > 0) source = source_name(x, l->ref.source_id);
    list.push_back({{"time", optional_time(l->time)}, {"source", source}, {"line_no", l->ref.line_no},
                    {"kind", std::string(event_name(l->type))},
                    {"family", l->type == EventType::note ? nlohmann::json(l->detail) : nlohmann::json(nullptr)},
                    {"label", timeline_label(x, *l)}, {"text", l->text}});
  }
  return list;
}

nlohmann::json keywords_json(const Texts& t, const std::vector<EhloKeyword>& keywords) {
  auto list = nlohmann::json::array();
  for (const auto& k : keywords)
    list.push_back({{"keyword", k.keyword}, {"params", text_or_null(k.params)}, {"meaning", keyword_meaning(t, k.keyword)}});
  return list;
}

nlohmann::json connection_json(const Connection& c) {
  return {{"id", c.id > 0 ? nlohmann::json(c.id) : nlohmann::json(nullptr)},
          {"appliance", text_or_null(c.appliance)},
          {"direction", std::string(direction_name(c.direction))},
          {"conn_id", c.conn_id},
          {"peer_ip", text_or_null(c.peer_ip)},
          {"peer_host", text_or_null(c.peer_host)},
          {"domain", text_or_null(c.domain)},
          {"started_at", optional_time(c.started_at)},
          {"ended_at", optional_time(c.ended_at)},
          {"tls_protocol", text_or_null(c.tls_protocol)},
          {"tls_cipher", text_or_null(c.tls_cipher)}};
}

nlohmann::json evidence_json(const Ctx& x) {
  auto list = nlohmann::json::array();
  for (const auto& e : x.v.evidence) {
    nlohmann::json source = nullptr;
    if (e.ref.line_no > 0) source = source_name(x, e.ref.source_id);
    list.push_back({{"source", source}, {"line_no", e.ref.line_no}, {"text", e.text},
                    {"role", std::string(evidence_role_name(e.role))}, {"role_label", role_label(x, e.role)}});
  }
  return list;
}

nlohmann::json findings_json(const Ctx& x, bool texts) {
  auto list = nlohmann::json::array();
  for (const auto& f : x.v.findings) {
    const std::string code(finding_name(f.code));
    if (!texts) { list.push_back(code); continue; }
    list.push_back({{"code", code}, {"title", x.t.get("finding." + code + ".title")},
                    {"text", x.t.get("finding." + code + ".text")}, {"detail", text_or_null(f.detail)}});
  }
  return list;
}

nlohmann::json candidates_json(const Ctx& x) {
  auto list = nlohmann::json::array();
  for (const auto& code : x.v.candidates)
    list.push_back({{"code", code}, {"text", x.t.get("candidate." + code + ".text")}});
  return list;
}

nlohmann::json references_json(const Ctx& x) {
  auto codes = nlohmann::json::array();
  auto titles = nlohmann::json::object();
  for (const auto& r : x.v.references) {
    codes.push_back(r);
    if (auto it = x.refs.find(r); it != x.refs.end()) titles[r] = it->second;
  }
  return {{"codes", codes}, {"titles", titles}};
}

}  // namespace

std::string render_text(const Connection& c, const Verdict& v, const Texts& texts,
                        const SourceNames& sources, const ReferenceTitles& references,
                        const MessageEvents& message_events) {
  const Ctx x{c, v, texts, sources, references, message_events};
  std::ostringstream out;
  write_header(out, x);
  write_evidence(out, x);
  section(out, x, "cause", outcome_text(x, "cause"));
  section(out, x, "actor", outcome_text(x, "actor"));
  section(out, x, "action", outcome_text(x, "action"));
  write_findings(out, x);
  write_references(out, x);
  write_keywords(out, x);
  write_candidates(out, x);
  write_timeline(out, x);
  return out.str();
}

nlohmann::json render_json(const Connection& c, const Verdict& v, const Texts& texts,
                           const SourceNames& sources, const ReferenceTitles& references,
                           const MessageEvents& message_events) {
  const Ctx x{c, v, texts, sources, references, message_events};
  const auto refs = references_json(x);
  const std::string outcome(outcome_name(v.outcome));
  return {{"tls_outcome", outcome},
          {"title", outcome_text(x, "title")},
          {"confidence", std::string(confidence_name(v.confidence))},
          {"detail", text_or_null(v.detail)},
          {"findings", findings_json(x, false)},
          {"finding_texts", findings_json(x, true)},
          {"evidence", evidence_json(x)},
          {"references", refs["codes"]},
          {"reference_titles", refs["titles"]},
          {"keywords", keywords_json(texts, v.keywords_before_tls)},
          {"keywords_after_tls", keywords_json(texts, v.keywords_after_tls)},
          {"candidates", candidates_json(x)},
          {"cause", outcome_text(x, "cause")},
          {"actor", outcome_text(x, "actor")},
          {"action", outcome_text(x, "action")},
          {"connection", connection_json(c)},
          {"timeline", timeline_json(x)},
          {"explanation", render_text(c, v, texts, sources, references, message_events)}};
}

}  // namespace mailtls
