#include "parse/grammar.h"

#include <toml++/toml.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <system_error>

#include "base/toml_position.h"
#include "parse/pattern_prefix.h"

namespace mailtls {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kFrameFields[] = {"pri",  "weekday", "month", "day", "time",
                                             "year", "host",    "tag",   "level"};

// Collects the problems of one file; every message names the file and the key.
struct FileContext {
  std::string file;
  Diagnostics& diag;
  bool ok = true;

  void error(const std::string& key, const std::string& message, TextPosition at = {}) {
    diag.problem(file, key + ": " + message, at);
    ok = false;
  }
};


std::string item_key(std::string_view array, size_t index, std::string_view name) {
  std::string key = std::string(array) + "[" + std::to_string(index) + "]";
  if (!name.empty()) key += " " + in_quotes(name);
  return key;
}

// Typos in key names would otherwise silently drop a sample or a pattern.
void check_keys(const toml::table& table, std::initializer_list<std::string_view> allowed,
                FileContext& ctx, const std::string& key) {
  for (const auto& [k, v] : table)
    if (std::find(allowed.begin(), allowed.end(), k.str()) == allowed.end())
      ctx.error(key, "unknown key " + in_quotes(k.str()), position_of(k.source()));
}

std::string required_string(const toml::table& table, std::string_view name, FileContext& ctx,
                            const std::string& key) {
  const toml::node* node = table.get(name);
  auto value = node ? node->value<std::string>() : std::nullopt;
  if (!value || value->empty())
    ctx.error(key, "missing or empty string " + in_quotes(name), position_of(node ? node : &table));
  return value.value_or("");
}

Sample read_sample(const toml::table& table, bool frame, FileContext& ctx, const std::string& key) {
  Sample s;
  s.at = position_of(&table);
  if (frame) check_keys(table, {"line", "body", "fields"}, ctx, key);
  else check_keys(table, {"line", "fields"}, ctx, key);
  s.line = required_string(table, "line", ctx, key);
  s.body = table["body"].value_or(std::string());
  if (const auto* fields = table["fields"].as_table()) {
    for (const auto& [name, value] : *fields) {
      auto text = value.value<std::string>();
      if (!text) ctx.error(key + ".fields." + std::string(name.str()), "must be a string", position_of(&value));
      s.fields.emplace_back(std::string(name.str()), text.value_or(""));
    }
  }
  return s;
}

std::vector<Sample> read_samples(const toml::table& table, bool frame, FileContext& ctx,
                                 const std::string& key) {
  std::vector<Sample> samples;
  const auto* array = table["sample"].as_array();
  if (!array || array->empty()) {
    ctx.error(key, "needs at least one [[sample]]", position_of(&table));
    return samples;
  }
  for (size_t i = 0; i < array->size(); ++i) {
    std::string skey = key + ".sample[" + std::to_string(i) + "]";
    if (const auto* t = array->get(i)->as_table()) samples.push_back(read_sample(*t, frame, ctx, skey));
    else ctx.error(skey, "must be a table", position_of(array->get(i)));
  }
  return samples;
}

// Where `text` (RE2's error_arg) lies in the value that begins at `value`, when the value
// is on one line of `file` and holds it; else the value's start.
TextPosition caret_at(const std::string& file, TextPosition value, const std::string& text) {
  if (value.line <= 0 || text.empty()) return value;
  std::ifstream in(file, std::ios::binary);
  std::string line;
  for (int n = 1; n <= value.line; ++n)
    if (!std::getline(in, line)) return value;
  const size_t from = static_cast<size_t>(std::max(value.column - 1, 0));
  const size_t found = line.find(text, from);
  if (found == std::string::npos) return value;
  return TextPosition{value.line, static_cast<int>(found) + 1};
}

// Patterns are compiled as Latin-1 so that any byte (invalid UTF-8 in a subject, say)
// is matched by `.`; patterns themselves must therefore be ASCII.
std::unique_ptr<RE2> compile(const std::string& pattern, bool dot_nl, FileContext& ctx,
                             const std::string& key, TextPosition at) {
  if (std::any_of(pattern.begin(), pattern.end(), [](char c) { return c & 0x80; })) {
    ctx.error(key, "pattern must be ASCII (use \\x escapes)", at);
    return nullptr;
  }
  RE2::Options options;
  options.set_log_errors(false);
  options.set_encoding(RE2::Options::EncodingLatin1);
  options.set_dot_nl(dot_nl);  // a record body may hold joined continuation lines
  auto re = std::make_unique<RE2>(pattern, options);
  if (!re->ok()) {
    // RE2's error() ends with the text it names; quote that text once.
    std::string why = re->error();
    const std::string tail = ": " + re->error_arg();
    if (why.size() > tail.size() && why.compare(why.size() - tail.size(), tail.size(), tail) == 0)
      why.resize(why.size() - tail.size());
    ctx.error(key, "pattern does not compile: " + why + ": " + in_quotes(re->error_arg()),
              caret_at(ctx.file, at, re->error_arg()));
    return nullptr;
  }
  return re;
}

int* frame_field(FrameKind& f, std::string_view name) {
  int* slots[] = {&f.pri, &f.weekday, &f.month, &f.day, &f.time, &f.year, &f.host, &f.tag, &f.level};
  for (size_t i = 0; i < std::size(kFrameFields); ++i)
    if (kFrameFields[i] == name) return slots[i];
  return nullptr;
}

// A note kind's family comes from its `note`, not from a capture: samples may list it.
void check_sample_field_names(const std::vector<Sample>& samples, const RE2& re, bool note,
                              FileContext& ctx, const std::string& key) {
  const auto& groups = re.NamedCapturingGroups();
  for (size_t i = 0; i < samples.size(); ++i)
    for (const auto& [name, value] : samples[i].fields)
      if (!groups.count(name) && !(note && name == "family"))
        ctx.error(key + ".sample[" + std::to_string(i) + "]",
                  "field " + in_quotes(name) + " is not a capture of the pattern", samples[i].at);
}

// The pattern of the proper prefixes of a frame's matches, compiled as the frame is; left
// null when the pattern is not read or a character may span several bytes. Compiled once
// here: a framer is made for every input stream.
void read_extension(FrameKind& f) {
  const RE2::Options& o = f.re->options();
  if (o.encoding() != RE2::Options::EncodingLatin1 || o.literal() || o.posix_syntax() || o.never_nl()) return;
  const auto proper = proper_prefixes(f.re->pattern());
  if (!proper) return;
  f.no_extension = proper->none;
  if (f.no_extension) return;
  auto re = std::make_unique<RE2>(proper->pattern, o);
  if (re->ok()) f.extension = std::move(re);
}

std::unique_ptr<FrameKind> load_frame(const toml::table& t, size_t index, FileContext& ctx) {
  auto f = std::make_unique<FrameKind>();
  f->name = t["name"].value_or(std::string());
  std::string key = item_key("frame", index, f->name);
  check_keys(t, {"name", "pattern", "sample"}, ctx, key);
  if (f->name.empty()) ctx.error(key, "missing or empty string \"name\"", position_of(&t));
  f->file = ctx.file;
  const TextPosition pattern_at = position_of(t.get("pattern"));
  f->re = compile(required_string(t, "pattern", ctx, key), false, ctx, key + ".pattern", pattern_at);
  f->samples = read_samples(t, true, ctx, key);
  if (!f->re) return f;
  for (const auto& [name, group] : f->re->NamedCapturingGroups()) {
    if (int* slot = frame_field(*f, name)) *slot = group;
    else ctx.error(key + ".pattern", "capture " + in_quotes(name) + " is not a frame field", pattern_at);
    if (group > kMaxFrameGroups)
      ctx.error(key + ".pattern",
                "capture " + in_quotes(name) + " is group " + std::to_string(group) + "; the framer reads the first " +
                    std::to_string(kMaxFrameGroups) + ": make earlier groups non-capturing (?:...)",
                pattern_at);
  }
  check_sample_field_names(f->samples, *f->re, false, ctx, key);
  read_extension(*f);
  return f;
}

// Maps the named captures of an event kind to its event's slots.
void map_slots(LineKind& k, FileContext& ctx, const std::string& key, TextPosition at) {
  const auto& spec = event_specs()[static_cast<size_t>(k.event)];
  const size_t slots = slot_count(k.event);
  const auto& groups = k.re->NamedCapturingGroups();
  if (k.event == EventType::other && !groups.empty())
    ctx.error(key + ".pattern", "named captures are only read for kinds with an event", at);
  for (const auto& [name, group] : groups) {
    auto it = std::find(spec.slots.begin(), spec.slots.begin() + slots, name);
    if (it == spec.slots.begin() + slots) {
      if (k.event != EventType::other)
        ctx.error(key + ".pattern", "capture " + in_quotes(name) + " is not a slot of event " +
                                        in_quotes(spec.name), at);
      continue;
    }
    k.slot_group[it - spec.slots.begin()] = group;
  }
  if (slots > 0 && spec.slots[0] == "id" && k.slot_group[0] == 0)
    ctx.error(key + ".pattern", "event " + in_quotes(spec.name) + " needs a capture named \"id\"", at);
  if (k.event != EventType::other && k.re->NumberOfCapturingGroups() > kMaxEventGroups)
    ctx.error(key + ".pattern", "more than " + std::to_string(kMaxEventGroups) +
                                    " capturing groups; use (?:...)", at);
}

// `unquote = ["text", ...]` or `drop_blank = [...]`: each name must be a capture that
// feeds a slot; `flags` gets a mark per slot named.
void read_slot_list(const toml::table& t, const char* list, std::array<bool, kMaxSlots>& flags, LineKind& k,
                    FileContext& ctx, const std::string& key) {
  const toml::node* node = t.get(list);
  if (!node) return;
  const std::string list_key = key + "." + list;
  const auto* names = node->as_array();
  if (!names) return ctx.error(list_key, "must be an array of capture names", position_of(node));
  const auto& spec = event_specs()[static_cast<size_t>(k.event)];
  const auto& groups = k.re->NamedCapturingGroups();
  for (const auto& item : *names) {
    auto name = item.value<std::string>();
    if (!name) {
      ctx.error(list_key, "must be an array of capture names", position_of(&item));
      continue;
    }
    auto slot = std::find(spec.slots.begin(), spec.slots.begin() + slot_count(k.event), *name);
    if (!groups.count(*name) || slot == spec.slots.begin() + slot_count(k.event))
      ctx.error(list_key, in_quotes(*name) + " is not a capture of an event slot", position_of(&item));
    else flags[slot - spec.slots.begin()] = true;
  }
}

void read_slot_lists(const toml::table& t, LineKind& k, FileContext& ctx, const std::string& key) {
  read_slot_list(t, "unquote", k.slot_unquote, k, ctx, key);
  read_slot_list(t, "drop_blank", k.slot_drop_blank, k, ctx, key);
  for (size_t slot = 0; slot < kMaxSlots; ++slot)
    if (k.slot_unquote[slot] && k.slot_drop_blank[slot])
      ctx.error(key + ".drop_blank", "a capture cannot be in both unquote and drop_blank",
                position_of(t.get("drop_blank")));
}

// `quick`: an event kind's narrower one-pass pattern with the same captures. That it
// agrees with the pattern is checked on the samples (self-test).
void read_quick(const toml::table& t, LineKind& k, FileContext& ctx, const std::string& key) {
  const toml::node* node = t.get("quick");
  if (!node) return;
  const auto text = node->value<std::string>();
  k.quick_at = position_of(node);
  if (!text) return ctx.error(key + ".quick", "must be a string", k.quick_at);
  if (k.event == EventType::other)
    return ctx.error(key + ".quick", "only kinds with an event may have one", k.quick_at);
  auto quick = compile(*text, true, ctx, key + ".quick", k.quick_at);
  if (!quick) return;
  const std::map<std::string, int, std::less<>> names(quick->NamedCapturingGroups().begin(), quick->NamedCapturingGroups().end());
  const std::map<std::string, int, std::less<>> want(k.re->NamedCapturingGroups().begin(), k.re->NamedCapturingGroups().end());
  auto same_name = [](const auto& a, const auto& b) { return a.first == b.first; };
  if (!std::equal(names.begin(), names.end(), want.begin(), want.end(), same_name))
    return ctx.error(key + ".quick", "must have the same named captures as the pattern", k.quick_at);
  const auto& spec = event_specs()[static_cast<size_t>(k.event)];
  int needed = 0;
  for (size_t slot = 0; slot < slot_count(k.event); ++slot)
    if (auto it = names.find(spec.slots[slot]); it != names.end()) {
      k.quick_slot_group[slot] = it->second;
      needed = std::max(needed, it->second);
    }
  if (needed > 2 * kMaxQuickGroups)
    return ctx.error(key + ".quick", "its captures reach group " + std::to_string(needed) + ", RE2 extracts at most " +
                                         std::to_string(kMaxQuickGroups) + " one-pass, the matcher asks twice: use (?:...)",
                     k.quick_at);
  k.quick = std::move(quick);
}

void check_token(const LineKind& k, FileContext& ctx, const std::string& key, TextPosition at) {
  if (k.token.find(' ') != std::string::npos) ctx.error(key + ".token", "must be one word", at);
}

std::unique_ptr<LineKind> load_kind(const toml::table& t, size_t index, const std::string& family,
                                    FileContext& ctx) {
  auto k = std::make_unique<LineKind>();
  k->name = t["name"].value_or(std::string());
  std::string key = item_key("kind", index, k->name);
  check_keys(t, {"name", "event", "token", "pattern", "unquote", "drop_blank", "quick", "sample", "note",
                 "log_type"},
             ctx, key);
  if (k->name.empty()) ctx.error(key, "missing or empty string \"name\"", position_of(&t));
  k->family = family;
  k->file = ctx.file;
  k->token = required_string(t, "token", ctx, key);
  check_token(*k, ctx, key, position_of(t.get("token")));
  if (auto event = t["event"].value<std::string>()) {
    auto type = event_type_by_name(*event);
    if (!type || *type == EventType::other || *type == EventType::comment)
      ctx.error(key + ".event", "unknown event " + in_quotes(*event), position_of(t.get("event")));
    else k->event = *type;
  }
  k->note = t["note"].value_or(std::string());
  k->log_type = t["log_type"].value_or(std::string());
  if ((k->event == EventType::note) != !k->note.empty())
    ctx.error(key + ".note", "a kind of event \"note\" names its family with note = \"...\", and only such a kind",
              position_of(t.get("note") ? t.get("note") : &t));
  const TextPosition pattern_at = position_of(t.get("pattern"));
  k->re = compile(required_string(t, "pattern", ctx, key), true, ctx, key + ".pattern", pattern_at);
  k->samples = read_samples(t, false, ctx, key);
  if (!k->re) return k;
  k->groups = k->re->NumberOfCapturingGroups();
  map_slots(*k, ctx, key, pattern_at);
  if (k->event == EventType::note && k->slot_group[slot::ref] == 0)
    ctx.error(key + ".pattern", "a note kind captures the word naming what it is about as \"ref\"", pattern_at);
  read_slot_lists(t, *k, ctx, key);
  read_quick(t, *k, ctx, key);
  check_sample_field_names(k->samples, *k->re, k->event == EventType::note, ctx, key);
  return k;
}

template <typename Item, typename Loader>
void load_array(const toml::table& root, std::string_view name, FileContext& ctx,
                std::vector<std::unique_ptr<Item>>& out, Loader load_one);

std::vector<std::string> string_list(const toml::table& t, std::string_view name, FileContext& ctx,
                                     const std::string& key) {
  std::vector<std::string> out;
  const toml::node* node = t.get(name);
  if (!node) return out;
  const auto* array = node->as_array();
  if (!array) {
    ctx.error(key + "." + std::string(name), "must be an array of strings", position_of(node));
    return out;
  }
  for (const auto& item : *array) {
    if (auto text = item.value<std::string>()) out.push_back(*text);
    else ctx.error(key + "." + std::string(name), "must be an array of strings", position_of(&item));
  }
  return out;
}

// [[generic.family]]: a name, an optional pattern (searched, not anchored) and, with a
// pattern, real lines that fall into the family.
std::unique_ptr<GenericFamily> load_family(const toml::table& t, size_t index, FileContext& ctx) {
  auto f = std::make_unique<GenericFamily>();
  f->name = t["name"].value_or(std::string());
  f->file = ctx.file;
  const std::string key = item_key("generic.family", index, f->name);
  check_keys(t, {"name", "pattern", "samples"}, ctx, key);
  if (f->name.empty()) ctx.error(key, "missing or empty string \"name\"", position_of(&t));
  f->samples = string_list(t, "samples", ctx, key);
  if (auto pattern = t["pattern"].value<std::string>()) {
    f->re = compile(*pattern, true, ctx, key + ".pattern", position_of(t.get("pattern")));
    if (f->samples.empty()) ctx.error(key, "a family with a pattern needs samples = [...]", position_of(&t));
  } else if (!f->samples.empty()) {
    ctx.error(key + ".samples", "only a family with a pattern is found by the generic tier",
              position_of(t.get("samples")));
  }
  f->kind.name = "generic:" + f->name;
  f->kind.family = "generic";
  f->kind.file = ctx.file;
  f->kind.event = EventType::note;
  f->kind.note = f->name;
  f->kind.generic = true;
  return f;
}

void load_generic(const toml::table& root, FileContext& ctx, GenericTier& tier, std::string& fallback) {
  const toml::node* node = root.get("generic");
  if (!node) return;
  const auto* t = node->as_table();
  if (!t) return ctx.error("generic", "must be a table ([generic])", position_of(node));
  if (tier.reference) return ctx.error("generic", "defined in more than one grammar file", position_of(node));
  check_keys(*t, {"reference", "fallback", "family"}, ctx, "generic");
  const TextPosition reference_at = position_of(t->get("reference"));
  tier.reference = compile(required_string(*t, "reference", ctx, "generic"), true, ctx, "generic.reference", reference_at);
  if (tier.reference) {
    const auto& named = tier.reference->NamedCapturingGroups();
    auto ref = named.find("ref"), id = named.find("id");
    if (ref == named.end() || id == named.end())
      ctx.error("generic.reference", "must capture \"ref\" (MID, ICID...) and \"id\" (the number)", reference_at);
    else tier.ref_group = ref->second, tier.id_group = id->second;
  }
  fallback = required_string(*t, "fallback", ctx, "generic");
  load_array(*t, "family", ctx, tier.families, [&](const toml::table& f, size_t i) { return load_family(f, i, ctx); });
}

std::unique_ptr<LogType> load_log_type(const toml::table& t, size_t index, FileContext& ctx) {
  auto lt = std::make_unique<LogType>();
  lt->name = t["name"].value_or(std::string());
  lt->file = ctx.file;
  const std::string key = item_key("log_type", index, lt->name);
  check_keys(t, {"name", "tag", "samples"}, ctx, key);
  if (lt->name.empty()) ctx.error(key, "missing or empty string \"name\"", position_of(&t));
  lt->tag = compile(required_string(t, "tag", ctx, key), false, ctx, key + ".tag", position_of(t.get("tag")));
  lt->samples = string_list(t, "samples", ctx, key);
  if (lt->samples.empty()) ctx.error(key, "needs samples = [...] (tags it must claim)", position_of(&t));
  return lt;
}

template <typename Item, typename Loader>
void load_array(const toml::table& root, std::string_view name, FileContext& ctx,
                std::vector<std::unique_ptr<Item>>& out, Loader load_one) {
  const toml::node* node = root.get(name);
  if (!node) return;
  const auto* array = node->as_array();
  if (!array)
    return ctx.error(std::string(name), "must be an array of tables ([[" + std::string(name) + "]])",
                     position_of(node));
  for (size_t i = 0; i < array->size(); ++i) {
    if (const auto* t = array->get(i)->as_table()) out.push_back(load_one(*t, i));
    else ctx.error(item_key(name, i, ""), "must be a table", position_of(array->get(i)));
  }
}

// What the files of a grammar directory hold, gathered file by file.
struct Loaded {
  std::vector<std::unique_ptr<FrameKind>>& frames;
  std::vector<std::unique_ptr<LineKind>>& kinds;
  GenericTier& generic;
  std::vector<std::unique_ptr<LogType>>& log_types;
  std::string fallback;  // the generic tier's fallback family, resolved once all are read
  std::string fallback_file;
};

bool load_file(const fs::path& path, Loaded& into, Diagnostics& diag) {
  FileContext ctx{path.string(), diag};
  toml::table root;
  try {
    root = toml::parse_file(path.string());
  } catch (const toml::parse_error& e) {
    ctx.diag.problem(ctx.file, "TOML: " + std::string(e.description()), position_of(e.source()));
    return false;
  }
  check_keys(root, {"family", "frame", "kind", "generic", "log_type"}, ctx, "top level");
  std::string family = required_string(root, "family", ctx, "top level");
  load_array(root, "frame", ctx, into.frames, [&](const toml::table& t, size_t i) { return load_frame(t, i, ctx); });
  load_array(root, "kind", ctx, into.kinds,
             [&](const toml::table& t, size_t i) { return load_kind(t, i, family, ctx); });
  const bool had_generic = into.generic.reference != nullptr;
  load_generic(root, ctx, into.generic, into.fallback);
  if (!had_generic && into.generic.reference) into.fallback_file = ctx.file;
  load_array(root, "log_type", ctx, into.log_types,
             [&](const toml::table& t, size_t i) { return load_log_type(t, i, ctx); });
  return ctx.ok;
}

template <typename Item>
bool check_unique_names(const std::vector<std::unique_ptr<Item>>& items, std::string_view what,
                        Diagnostics& diag) {
  std::map<std::string_view, const Item*> seen;
  bool ok = true;
  for (const auto& item : items) {
    auto [it, inserted] = seen.emplace(item->name, item.get());
    if (inserted || item->name.empty()) continue;
    diag.problem(item->file, std::string(what) + " " + in_quotes(item->name) + ": name already used in " +
                                 it->second->file);
    ok = false;
  }
  return ok;
}

std::vector<fs::path> grammar_files(const fs::path& dir, Diagnostics& diag) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".toml") files.push_back(it->path());
  if (ec) diag.problem(dir.string(), "cannot read the grammar directory: " + ec.message());
  else if (files.empty()) diag.problem(dir.string(), "no *.toml grammar files");
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

std::optional<GenericTier::Found> GenericTier::find(std::string_view body, size_t span) const {
  if (!reference) return std::nullopt;
  re2::StringPiece groups[8];
  const int n = std::min(reference->NumberOfCapturingGroups() + 1, 8);
  const std::string_view first_line = body.substr(0, span);
  const re2::StringPiece line(first_line.data(), first_line.size());
  // The first reference, unless it is an RCID (an RPC connection to a quarantine) or a RID
  // (a recipient, numbered within its message), which join nothing by themselves: then the
  // first MID, ICID or DCID after it, when the line names one ("RPC Delivery start RCID
  // 756814 MID 2317877 ..." belongs to message 2317877).
  Found found;
  bool any = false;
  for (size_t from = 0; from < first_line.size() &&
                        reference->Match(line, from, first_line.size(), RE2::UNANCHORED, groups, n);) {
    const std::string_view ref(groups[ref_group].data(), groups[ref_group].size());
    if (!any || (ref != "RCID" && ref != "RID")) {
      found.ref = ref;
      found.id = std::string_view(groups[id_group].data(), groups[id_group].size());
    }
    any = true;
    if (ref != "RCID" && ref != "RID") break;
    from = static_cast<size_t>(groups[0].data() + groups[0].size() - first_line.data());
    if (groups[0].empty()) break;
  }
  if (!any) return std::nullopt;
  found.family = fallback;
  const re2::StringPiece text(body.data(), body.size());
  for (const auto& f : families)
    if (f->re && RE2::PartialMatch(text, *f->re)) {
      found.family = f.get();
      break;
    }
  if (!found.family) return std::nullopt;
  return found;
}

const GenericFamily* GenericTier::family(std::string_view name) const {
  for (const auto& f : families)
    if (f->name == name) return f.get();
  return nullptr;
}

const LogType* Grammar::log_type_of_tag(std::string_view tag) const {
  if (tag.empty()) return nullptr;
  const re2::StringPiece text(tag.data(), tag.size());
  for (const auto& t : log_types_)
    if (t->tag && RE2::FullMatch(text, *t->tag)) return t.get();
  return nullptr;
}

const LogType* Grammar::log_type(std::string_view name) const {
  for (const auto& t : log_types_)
    if (t->name == name) return t.get();
  return nullptr;
}

namespace {

// What only the whole directory can tell: the fallback family exists and has no pattern,
// every kind's `note` and `log_type` names a family or type some file lists.
bool check_references(const Grammar& g, const Loaded& loaded, Diagnostics& diag) {
  bool ok = true;
  auto error = [&](const std::string& file, const std::string& message) {
    diag.problem(file, message);
    ok = false;
  };
  const GenericTier& tier = g.generic();
  if (tier.reference) {
    const GenericFamily* f = tier.family(loaded.fallback);
    if (!f) error(loaded.fallback_file, "generic.fallback: no family " + in_quotes(loaded.fallback));
    else if (f->re) error(loaded.fallback_file, "generic.fallback: family " + in_quotes(loaded.fallback) + " has a pattern");
  }
  for (const auto& k : g.kinds()) {
    if (!k->note.empty() && !tier.family(k->note))
      error(k->file, "kind " + in_quotes(k->name) + ".note: no generic family " + in_quotes(k->note));
    if (!k->log_type.empty() && !g.log_type(k->log_type))
      error(k->file, "kind " + in_quotes(k->name) + ".log_type: no log type " + in_quotes(k->log_type));
  }
  return ok;
}

// Every family sample has a reference and falls into its own family; every log type
// sample is a tag its own type claims.
bool test_generic_samples(const Grammar& g, Diagnostics& diag) {
  bool ok = true;
  auto error = [&](const std::string& file, const std::string& key, const std::string& message) {
    diag.problem(file, key + ": " + message);
    ok = false;
  };
  for (const auto& f : g.generic().families)
    for (size_t i = 0; i < f->samples.size(); ++i) {
      const std::string key = "generic.family " + in_quotes(f->name) + ".samples[" + std::to_string(i) + "]";
      const auto found = g.generic().find(f->samples[i]);
      if (!found) error(f->file, key, "names no message or connection (generic.reference finds nothing)");
      else if (found->family != f.get())
        error(f->file, key, "falls into family " + in_quotes(found->family->name) + ", listed earlier");
    }
  for (const auto& t : g.log_types())
    for (size_t i = 0; i < t->samples.size(); ++i) {
      const std::string key = "log_type " + in_quotes(t->name) + ".samples[" + std::to_string(i) + "]";
      const LogType* got = g.log_type_of_tag(t->samples[i]);
      if (got != t.get())
        error(t->file, key, got ? "claimed first by log type " + in_quotes(got->name) : std::string("not matched by the tag pattern"));
    }
  return ok;
}

}  // namespace

std::unique_ptr<Grammar> Grammar::load(const fs::path& dir, Diagnostics& diag) {
  auto g = std::make_unique<Grammar>();
  bool ok = true;
  auto files = grammar_files(dir, diag);
  if (files.empty()) return nullptr;
  Loaded loaded{g->frames_, g->kinds_, g->generic_, g->log_types_, {}, {}};
  for (const auto& path : files) ok = load_file(path, loaded, diag) && ok;
  ok = check_unique_names(g->frames_, "frame", diag) && ok;
  ok = check_unique_names(g->kinds_, "kind", diag) && ok;
  ok = check_unique_names(g->generic_.families, "generic family", diag) && ok;
  ok = check_unique_names(g->log_types_, "log type", diag) && ok;
  if (!loaded.fallback.empty()) g->generic_.fallback = g->generic_.family(loaded.fallback);
  ok = check_references(*g, loaded, diag) && ok;
  // Samples still run on the kinds that compiled, so one pass reports every problem.
  std::erase_if(g->frames_, [](const auto& f) { return !f->re; });
  std::erase_if(g->kinds_, [](const auto& k) { return !k->re; });
  g->index_tokens();
  ok = g->self_test(diag) && ok;
  ok = test_generic_samples(*g, diag) && ok;
  return ok ? std::move(g) : nullptr;
}

bool Grammar::starts_body(std::string_view text) const {
  if (text.empty()) return false;
  if (text.front() >= '0' && text.front() <= '9') return numeric_token_;
  return tokens_.count(first_word(text)) > 0;
}

void Grammar::index_tokens() {
  for (const auto& k : kinds_) {
    if (k->token == "#") numeric_token_ = true;
    else if (k->token != "*") tokens_.insert(k->token);
  }
}

std::string in_quotes(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string_view trim_trailing_blanks(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

std::string_view first_word(std::string_view text) {
  size_t end = 0;
  while (end < text.size() && text[end] != ' ' && text[end] != '\t' && text[end] != '\r' && text[end] != '\n') ++end;
  return text.substr(0, end);
}

}  // namespace mailtls
