// The generic tier and the other log types (grammars/generic.toml, log_types.toml): real
// lines no kind of their own describes are still recognised as notes of a named family,
// attached by the reference they carry; lines of other log subscriptions are told by tag.
// Lines come from the corpus (../shared/corpus), from the comments of an IronPort
// mail_logs analyser of 2004-2007 (spamtowho, by an IronPort engineer: AsyncOS 3.7-5.x)
// and from Elastic's Cisco Secure Email Gateway test logs (samples/README.md names them).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include "parse/grammar.h"
#include "parse/matcher.h"

#include "child_process.h"
#include "shipped_data.h"

namespace fs = std::filesystem;
using namespace mailtls;
using testing::shipped_grammar;

namespace {

struct Note {
  std::string family, ref, id;
  bool generic = false;
};

Note note_of(std::string_view body) {
  Matcher matcher(shipped_grammar());
  Event ev;
  REQUIRE(matcher.match(body, ev));
  REQUIRE(ev.type == EventType::note);
  return {std::string(ev.field(slot::family)), std::string(ev.field(slot::ref)), std::string(ev.field(slot::id)),
          ev.kind->generic};
}

}  // namespace

TEST_CASE("a line no kind describes is a note of the family its words name, by its first reference", "[generic]") {
  const Note quarantined = note_of("MID 423370831 quarantined to \"Outbreak\" (VOF rule:.pif file in zip)");
  CHECK(quarantined.family == "quarantine");
  CHECK(quarantined.ref == "MID");
  CHECK(quarantined.id == "423370831");
  CHECK(quarantined.generic);
  CHECK(note_of("MID 26603 ICID 125192 invalid bounce, rcpt address <scott@ncironport.net> rejected by bounce "
                "verification.").family == "bounce-verification");
  CHECK(note_of("MID 1 masquerading envelope sender from 'TOMKI' to 'tomki@masqueraded.com'").family == "masquerading");
  CHECK(note_of("MID 1960958 was dropped by content filter 'dontsend' in the inbound table").family == "content-filter");
  CHECK(note_of("MID 4195162 to [0] pending till Tue Apr 27 13:05:17 2004 [Default]").family == "pending-delivery");
  CHECK(note_of("MID 15216898 generated for bounce of MID 8785588").family == "split-generated-rewritten");
  // Elastic's file-upload lines (AsyncOS 15): attached to the message by its MID.
  const Note upload = note_of("MID 118210542 SHA 58f2c62743e509a5305ea09b865282d8fd83bdaaac6a46801768ac6cecce7831 "
                              "filename Youtube queued for possible file analysis upload");
  CHECK(upload.family == "file-analysis");
  CHECK(upload.id == "118210542");
  // A reference written "MID = 5" (AMP log) or "MID: 5" still names the message.
  CHECK(note_of("File reputation query initiating. File Name = 'mod-6.exe', MID = 5, File Size = 1673216 bytes, "
                "File Type = application/x-dosexec").id == "5");
  // Named, but in none of the families' words: the fallback family.
  CHECK(note_of("MID 198579961 Could not convert character set: 136").family == "other");
}

TEST_CASE("lines with connection or delivery meaning are notes of their own kinds, attached to the connection", "[generic]") {
  const Note killed = note_of("SMTP server connection killed ICID: 629531");
  CHECK(killed.family == "connection-killed");
  CHECK(killed.ref == "ICID");
  CHECK(killed.id == "629531");
  CHECK_FALSE(killed.generic);
  CHECK(note_of("SMTP client connection killed DCID: 196546347").ref == "DCID");
  const Note possible = note_of("Possible Delivery: DCID: 4641294 MID 8956463 to [0]");
  CHECK(possible.family == "possible-delivery");
  CHECK(possible.ref == "DCID");
  CHECK(possible.id == "4641294");
  const Note exited = note_of("Mail delivery client with DCID 8163315 exited due to the maximum concurrency configuration.");
  CHECK(exited.family == "delivery-client-exited");
  CHECK(exited.id == "8163315");
  CHECK_FALSE(exited.generic);
}

TEST_CASE("a line that names no message or connection stays unrecognised", "[generic]") {
  Matcher matcher(shipped_grammar());
  Event ev;
  CHECK_FALSE(matcher.match("Scanning over-the-limit.com with 1 msgs for expiration candidates.", ev));
  CHECK_FALSE(matcher.match("Done scanning inplaster.com,  1 msgs remain in queue.", ev));
}

TEST_CASE("syslog tags of other log subscriptions name their type; any other tag is mail_logs", "[generic]") {
  const Grammar& g = shipped_grammar();
  auto type = [&](std::string_view tag) {
    const LogType* t = g.log_type_of_tag(tag);
    return t ? t->name : std::string("mail_logs");
  };
  CHECK(type("antivirus") == "antivirus");
  CHECK(type("antispam") == "antispam");
  CHECK(type("amp") == "amp");
  CHECK(type("gui_logs") == "gui");
  CHECK(type("status") == "status");
  CHECK(type("system") == "system");
  CHECK(type("content_scanner") == "content_scanner");
  CHECK(type("consolidated_event") == "consolidated_event");
  CHECK(type("mail_logs") == "mail_logs");
  CHECK(type("ESA_mail_logs") == "mail_logs");
  CHECK(type("MAIL_SecurityAudit") == "mail_logs");
  CHECK(type("CES_VPN_Mail_SecurityAudit") == "mail_logs");
}

TEST_CASE("the loader rejects a note kind whose family no generic file lists, and a family sample claimed earlier", "[generic]") {
  mailtls::testing::TempDir dir;
  const fs::path shipped = fs::path(MAILTLS_SOURCE_DATA_DIR) / "grammars";
  for (const auto& entry : fs::directory_iterator(shipped))
    if (entry.path().extension() == ".toml") fs::copy_file(entry.path(), dir.path / entry.path().filename());
  std::ofstream(dir.path / "zz_extra.toml") << R"(family = "extra"
[[kind]]
name = "extra_note"
event = "note"
note = "no-such-family"
token = "Frobnicated"
pattern = '''Frobnicated (?P<ref>MID) (?P<id>\d+)'''
[[kind.sample]]
line = "Frobnicated MID 5"
)";
  Diagnostics diag;
  CHECK_FALSE(Grammar::load(dir.path, diag));
  std::string all;
  for (const auto& d : diag.all()) all += d.format() + "\n";
  CHECK_THAT(all, Catch::Matchers::Contains("kind \"extra_note\".note: no generic family \"no-such-family\""));
}
