// The grammar's self-test: every sample line of every frame and kind gives its fields,
// the kinds' samples through the matcher's dispatch (so a kind shadowed by an earlier
// one of the same token is caught), and every `quick` pattern agrees with its kind's.
// Apart from grammar.cc, which loads the files and knows nothing of the matcher.
#include <re2/re2.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "parse/grammar.h"
#include "parse/matcher.h"

namespace mailtls {
namespace {

struct SampleContext {
  const std::string& file;
  std::string key;
  Diagnostics& diag;
  TextPosition at;  // the sample's, or the kind's `quick`
  bool ok = true;
  void error(const std::string& message) {
    diag.problem(file, key + ": " + message, at);
    ok = false;
  }
};

void compare_field(SampleContext& ctx, const std::string& name, std::string_view got,
                   const std::string& want) {
  if (got != want)
    ctx.error("field " + name + " is " + in_quotes(got) + ", expected " + in_quotes(want));
}

bool test_frame_sample(const FrameKind& f, const Sample& s, SampleContext ctx) {
  constexpr int kGroups = kMaxFrameGroups + 1;  // as many as the framer reads
  re2::StringPiece groups[kGroups];
  int n = std::min(f.re->NumberOfCapturingGroups() + 1, kGroups);
  if (!f.re->Match(s.line, 0, s.line.size(), RE2::ANCHOR_START, groups, n)) {
    ctx.error("the pattern does not match the line");
    return false;
  }
  std::string_view rest = std::string_view(s.line).substr(groups[0].size());
  if (rest != s.body) ctx.error("body is " + in_quotes(rest) + ", expected " + in_quotes(s.body));
  const auto& named = f.re->NamedCapturingGroups();
  for (const auto& [name, want] : s.fields) {
    auto it = named.find(name);
    if (it == named.end() || it->second >= n) continue;  // reported at load
    compare_field(ctx, name, std::string_view(groups[it->second].data(), groups[it->second].size()), want);
  }
  return ctx.ok;
}

// Explains why the matcher did not give a sample to its own kind.
void explain_miss(const LineKind& k, const Sample& s, const Event& got, SampleContext& ctx) {
  if (!RE2::FullMatch(trim_trailing_blanks(s.line), *k.re))
    ctx.error("the pattern does not match the line");
  else if (got.kind)
    ctx.error("claimed first by kind " + in_quotes(got.kind->name) + " (" + got.kind->file +
              "): dispatch tries kinds of the same token in file order");
  else
    ctx.error("the line's first word does not select token " + in_quotes(k.token));
}

bool test_kind_sample(const LineKind& k, const Sample& s, const Matcher& matcher, SampleContext ctx) {
  Event ev;
  matcher.match(s.line, ev);
  if (ev.kind != &k) {
    explain_miss(k, s, ev, ctx);
    return false;
  }
  const auto& spec = event_specs()[static_cast<size_t>(k.event)];
  for (const auto& [name, want] : s.fields) {
    auto it = std::find(spec.slots.begin(), spec.slots.end(), name);
    if (it == spec.slots.end()) continue;  // reported at load
    compare_field(ctx, name, ev.fields[it - spec.slots.begin()], want);
  }
  return ctx.ok;
}

// The fields `re` captures from `body` through `slot_group` (nullopt for a capture that
// took no part); nullopt when `re` does not match the whole body.
using Captured = std::array<std::optional<std::string_view>, kMaxSlots>;
std::optional<Captured> captured(const RE2& re, const std::array<int, kMaxSlots>& slot_group, std::string_view body) {
  std::vector<re2::StringPiece> groups(static_cast<size_t>(re.NumberOfCapturingGroups()) + 1);
  if (!re.Match(re2::StringPiece(body.data(), body.size()), 0, body.size(), RE2::ANCHOR_BOTH, groups.data(),
                static_cast<int>(groups.size())))
    return std::nullopt;
  Captured out;
  for (size_t slot = 0; slot < kMaxSlots; ++slot)
    if (const int g = slot_group[slot]; g > 0 && groups[g].data())
      out[slot] = std::string_view(groups[g].data(), groups[g].size());
  return out;
}

// A kind's `quick` pattern must give the pattern's fields on every sample it matches, and
// match at least one (or it only costs time).
bool test_quick(const LineKind& k, const std::string& key, Diagnostics& diag) {
  SampleContext ctx{k.file, key, diag, k.quick_at};
  size_t matched = 0;
  for (size_t i = 0; i < k.samples.size(); ++i) {
    const std::string_view body = trim_trailing_blanks(k.samples[i].line);
    const auto quick = captured(*k.quick, k.quick_slot_group, body);
    if (!quick) continue;
    ++matched;
    const auto whole = captured(*k.re, k.slot_group, body);
    if (!whole) ctx.error("matches sample[" + std::to_string(i) + "], which the pattern does not");
    else if (*quick != *whole) ctx.error("gives other fields than the pattern on sample[" + std::to_string(i) + "]");
  }
  if (matched == 0) ctx.error("matches none of the samples");
  return ctx.ok;
}

std::string sample_key(std::string_view what, std::string_view name, size_t i) {
  return std::string(what) + " " + in_quotes(name) + ".sample[" + std::to_string(i) + "]";
}

}  // namespace

bool Grammar::self_test(Diagnostics& diag) const {
  bool ok = true;
  for (const auto& f : frames_)
    for (size_t i = 0; i < f->samples.size(); ++i)
      ok = test_frame_sample(*f, f->samples[i], {f->file, sample_key("frame", f->name, i), diag, f->samples[i].at}) && ok;
  for (const auto& k : kinds_)
    if (k->quick) ok = test_quick(*k, "kind " + in_quotes(k->name) + ".quick", diag) && ok;
  Matcher matcher(*this);
  for (const auto& k : kinds_)
    for (size_t i = 0; i < k->samples.size(); ++i)
      ok = test_kind_sample(*k, k->samples[i], matcher, {k->file, sample_key("kind", k->name, i), diag, k->samples[i].at}) && ok;
  return ok;
}

}  // namespace mailtls
