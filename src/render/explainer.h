// The explainer: turns a classifier Verdict (codes and evidence) and its Connection into
// words for people, as text or JSON. Every sentence and label comes from Texts
// (locales/<lang>/), never from this code, so reports can reuse it in any language.
//
// Text keys used (locales/en/*.toml holds them all):
//   outcome.<id>.{title,cause,actor,action}  (an `outcome.<id>.<direction>.<field>` text,
//                                             when present, overrides for that direction)
//   finding.<code>.{title,text}   candidate.<code>.text   evidence.<role>
//   keyword.<KEYWORD>.meaning     confidence.<level>      direction.<dir>
//   tls-detail.<kind>             explain.<label>
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/diagnostics.h"
#include "model/model.h"
#include "render/texts.h"

namespace mailtls {

// sources.id -> the file path shown in "file:line". An id not in the map is shown as
// "source <id>"; line_no 0 means the line has no place in a file (a pasted dialogue).
using SourceNames = std::map<int64_t, std::string>;

// "RFC 3207 §4.2" -> its title, from the references catalogue (references.h). May be empty.
using ReferenceTitles = std::map<std::string, std::string>;

// Lines about the connection's messages (message_events: quarantine, verdicts...), shown
// with the connection's own lines in its timeline.
using MessageEvents = std::vector<LogLine>;

// The explanation as plain text, one section per fact (verdict, confidence, connection,
// evidence, cause, actor, action, findings, standards, EHLO keywords, candidates), and a
// timeline of the connection's lines and its messages' events when any of them is a note
// (a line that is neither evidence nor part of the decision: killed, quarantined...).
std::string render_text(const Connection& c, const Verdict& v, const Texts& texts,
                        const SourceNames& sources,
                        const ReferenceTitles& references = ReferenceTitles{},
                        const MessageEvents& message_events = MessageEvents{});

// The same facts as data: tls_outcome, title, confidence, detail, findings (codes),
// finding_texts, evidence [{source, line_no, text, role}], references, reference_titles,
// keywords and keywords_after_tls [{keyword, params, meaning}], candidates [{code, text}],
// connection {appliance, direction, conn_id, peer_ip, peer_host, domain, started_at,
// ended_at, tls_protocol, tls_cipher}, timeline [{time, source, line_no, kind, family,
// label, text}] (every line of the connection and of its messages' events, in time
// order), and explanation (render_text's output).
nlohmann::json render_json(const Connection& c, const Verdict& v, const Texts& texts,
                           const SourceNames& sources,
                           const ReferenceTitles& references = ReferenceTitles{},
                           const MessageEvents& message_events = MessageEvents{});

}  // namespace mailtls
