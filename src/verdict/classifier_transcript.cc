#include "verdict/classifier_transcript.h"

#include <algorithm>
#include <iterator>
#include <string_view>

namespace mailtls {
namespace {

// One command and the reply lines that answer it; command -1 for the banner or a reply
// nobody asked for. Values are indices into the transcript.
struct Exchange {
  int command = -1;
  std::vector<int> reply;
};

// Groups lines into exchanges: a reply ends at its "NNN " line, so a server line after a
// finished reply starts a new (unsolicited) exchange rather than joining the last one.
std::vector<Exchange> group_exchanges(const std::vector<TranscriptLine>& lines) {
  std::vector<Exchange> out;
  bool awaiting = false;
  std::string repaired;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].sender == Sender::client) {
      out.push_back({static_cast<int>(i), {}});
      awaiting = true;
      continue;
    }
    if (out.empty() || !awaiting) out.push_back({-1, {}});
    out.back().reply.push_back(static_cast<int>(i));
    awaiting = !split_reply_line(repair_reply_line(lines[i].text, repaired)).last;
  }
  return out;
}

class Walker {
 public:
  Walker(const std::vector<TranscriptLine>& lines, bool evidence)
      : lines_(lines), ex_(group_exchanges(lines)), evidence_(evidence) {}
  void run();
  TranscriptFacts take() { return std::move(f_); }  // once run() is done

 private:
  std::string verb(size_t e) const {
    return ex_[e].command < 0 ? "" : first_word_upper(lines_[ex_[e].command].text);
  }
  int find_command(size_t from, std::string_view a, std::string_view b = "") const;
  int next_command(size_t from) const { return find_command(from, "*"); }
  int reply_code(size_t e) const;
  std::string reply_text(size_t e) const;
  std::vector<std::string_view> reply_lines(size_t e) const;
  void cite(int index, EvidenceRole role);
  void cite_reply(size_t e, EvidenceRole role);
  void cite_ehlo_reply(size_t e, const EhloReply& r, bool after_tls);
  bool find_masking(bool ehlo_masked);
  void read_starttls(size_t e);
  void read_without_starttls(size_t ehlo);
  void read_after_tls(size_t e);
  void compare_keywords();

  const std::vector<TranscriptLine>& lines_;
  std::vector<Exchange> ex_;
  bool evidence_;
  TranscriptFacts f_;
};

int Walker::find_command(size_t from, std::string_view a, std::string_view b) const {
  for (size_t e = from; e < ex_.size(); ++e) {
    if (ex_[e].command < 0) continue;
    std::string v = verb(e);
    if (a == "*" || v == a || (!b.empty() && v == b)) return static_cast<int>(e);
  }
  return -1;
}

int Walker::reply_code(size_t e) const {
  if (ex_[e].reply.empty()) return 0;
  std::string repaired;
  return split_reply_line(repair_reply_line(lines_[ex_[e].reply.front()].text, repaired)).code;
}

std::string Walker::reply_text(size_t e) const {
  return ex_[e].reply.empty() ? "" : repair_reply_line(lines_[ex_[e].reply.front()].text);
}

std::vector<std::string_view> Walker::reply_lines(size_t e) const {
  std::vector<std::string_view> out;
  for (int i : ex_[e].reply) out.push_back(lines_[i].text);
  return out;
}

void Walker::cite(int index, EvidenceRole role) {
  if (index < 0 || !evidence_) return;
  const TranscriptLine& l = lines_[index];
  f_.evidence.push_back({l.ref, l.text, role});
}

void Walker::cite_reply(size_t e, EvidenceRole role) {
  for (int i : ex_[e].reply) cite(i, role);
}

void Walker::cite_ehlo_reply(size_t e, const EhloReply& r, bool after_tls) {
  cite(ex_[e].command, after_tls ? EvidenceRole::ehlo_after_tls : EvidenceRole::ehlo_command);
  const std::vector<int>& idx = ex_[e].reply;
  for (size_t k = 0; k < idx.size(); ++k) {
    int i = static_cast<int>(k);
    EvidenceRole role = after_tls ? EvidenceRole::ehlo_reply_after_tls : EvidenceRole::ehlo_reply;
    if (!after_tls && i == r.domain_line && r.misordered()) role = EvidenceRole::domain_line;
    if (!after_tls && i == r.misplaced_starttls_line) role = EvidenceRole::misplaced_starttls;
    if (!after_tls && i == r.masked_line) role = EvidenceRole::masked_keyword;
    cite(idx[k], role);
  }
}

// Signs of an SMTP-inspecting firewall: a banner of asterisks, keywords of X's, or a
// client command turned into X's (what the appliance sees inbound).
bool Walker::find_masking(bool ehlo_masked) {
  bool found = ehlo_masked;
  if (!ex_.empty() && ex_[0].command < 0 && !ex_[0].reply.empty() &&
      is_masked_banner(lines_[ex_[0].reply.front()].text)) {
    cite(ex_[0].reply.front(), EvidenceRole::masked_banner);
    found = true;
  }
  for (size_t e = 0; e < ex_.size(); ++e) {
    if (ex_[e].command < 0 || !is_masked_token(verb(e))) continue;
    cite(ex_[e].command, EvidenceRole::masked_command);
    cite_reply(e, EvidenceRole::starttls_reply);
    found = true;
  }
  return found;
}

}  // namespace

TranscriptFacts analyse_transcript(const std::vector<TranscriptLine>& lines, bool evidence) {
  Walker walker(lines, evidence);
  walker.run();
  return walker.take();
}

namespace {

void Walker::run() {
  int hello = find_command(0, "EHLO", "HELO");
  if (hello < 0) {
    if (find_masking(false)) f_.stage = TxStage::masked;
    return;
  }
  size_t e = static_cast<size_t>(hello);
  if (verb(e) == "HELO") {
    cite(ex_[e].command, EvidenceRole::helo_command);
    f_.stage = TxStage::helo_only;
    return;
  }
  if (ex_[e].reply.empty()) return;  // the EHLO reply is not in the transcript
  f_.before = parse_ehlo_reply(reply_lines(e));
  cite_ehlo_reply(e, f_.before, false);
  if (f_.before.rejected) {
    f_.stage = TxStage::ehlo_rejected;
    f_.detail = reply_text(e);
    return;
  }
  int starttls = find_command(e + 1, "STARTTLS");
  if (starttls >= 0)
    read_starttls(static_cast<size_t>(starttls));
  else
    read_without_starttls(e);
}

void Walker::read_starttls(size_t e) {
  f_.starttls_sent = true;
  cite(ex_[e].command, EvidenceRole::starttls_command);
  cite_reply(e, EvidenceRole::starttls_reply);
  int code = reply_code(e);
  if (ex_[e].reply.empty()) {
    f_.stage = TxStage::no_reply;
  } else if (code == 220) {
    f_.stage = TxStage::accepted;
    read_after_tls(e + 1);
  } else if (code == 500 && (f_.before.starttls || find_masking(f_.before.masked()))) {
    f_.stage = TxStage::masked;  // the keyword was offered, yet the command is unknown
    f_.detail = reply_text(e);
  } else if ((code == 500 || code == 502) && !f_.before.starttls && !f_.before.misordered()) {
    // A client that tries STARTTLS anyway (a person at a terminal, openssl) hears that the
    // server does not know it: it was never offered, not refused.
    f_.stage = TxStage::not_offered;
    f_.detail = reply_text(e);
  } else {
    f_.stage = TxStage::refused;
    f_.detail = reply_text(e);
  }
}

void Walker::read_without_starttls(size_t ehlo) {
  if (find_masking(f_.before.masked())) {
    f_.stage = TxStage::masked;
  } else if (f_.before.misordered()) {
    f_.stage = TxStage::misordered;
  } else if (!f_.before.starttls) {
    f_.stage = TxStage::not_offered;
  } else {
    int next = next_command(ehlo + 1);
    f_.stage = next < 0 ? TxStage::offered_pending : TxStage::offered_unused;
    if (next >= 0) cite(ex_[next].command, EvidenceRole::command_without_starttls);
  }
}

// RFC 3207 §4.2: the server forgets the first EHLO, so the client should say EHLO again
// before anything else, and the new reply must not offer STARTTLS.
void Walker::read_after_tls(size_t from) {
  int next = next_command(from);
  if (next < 0) return;
  size_t e = static_cast<size_t>(next);
  f_.stage = TxStage::tls_dialogue;
  if (verb(e) != "EHLO") {
    cite(ex_[e].command, EvidenceRole::command_after_tls);
    f_.findings.push_back({FindingCode::no_ehlo_after_tls, verb(e)});
    return;
  }
  f_.findings.push_back({FindingCode::ehlo_repeated_after_tls, ""});
  if (ex_[e].reply.empty()) return;
  f_.after = parse_ehlo_reply(reply_lines(e));
  f_.has_after = true;
  cite_ehlo_reply(e, f_.after, true);
  if (f_.after.starttls || f_.after.misplaced_starttls_line >= 0)
    f_.findings.push_back({FindingCode::starttls_offered_after_tls, ""});
  compare_keywords();
}

std::vector<std::string> keyword_set(const EhloReply& r) {
  std::vector<std::string> out;
  for (const EhloKeyword& k : r.keywords)
    if (k.keyword != "STARTTLS")
      out.push_back(k.params.empty() ? k.keyword : k.keyword + " " + k.params);
  std::sort(out.begin(), out.end());
  return out;
}

// STARTTLS leaving the list is required, so it is not counted as a change.
void Walker::compare_keywords() {
  std::vector<std::string> a = keyword_set(f_.before), b = keyword_set(f_.after);
  if (a == b) return;
  std::vector<std::string> added, removed;
  std::set_difference(b.begin(), b.end(), a.begin(), a.end(), std::back_inserter(added));
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(removed));
  std::string detail;
  for (const std::string& k : added) detail += (detail.empty() ? "+" : ";+") + k;
  for (const std::string& k : removed) detail += (detail.empty() ? "-" : ";-") + k;
  f_.findings.push_back({FindingCode::extensions_changed_after_tls, detail});
}

}  // namespace
}  // namespace mailtls
