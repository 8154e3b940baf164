// What `explain --transcript` makes of what administrators paste: the real output of
// swaks, posttls-finger, openssl s_client, telnet/nc and curl recorded on this project's
// machine against a local responder, Postfix's own log of the same cases, and Exchange
// protocol logs from public documentation (tests/data/pastes/README.md says how each was
// made). Each file must be read as its shape, and each connection classified as the tool
// showed it.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "verdict/classifier.h"
#include "verdict/transcript_paste.h"

using namespace mailtls;
namespace fs = std::filesystem;

namespace {

std::string read_paste_file(const std::string& name) {
  std::ifstream in(fs::path(MAILTLS_TEST_DIR) / "data" / "pastes" / name, std::ios::binary);
  REQUIRE(in);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Verdict classify_pasted(PastedDialogue d) {
  Connection c;
  c.direction = d.direction;
  c.transcript = std::move(d.transcript);
  c.log = std::move(d.log);
  return classify(c);
}

struct Case {
  const char* file;
  PasteShape shape;
  const char* outcome;
  Confidence confidence;
  const char* detail;  // nullptr: not checked
};

bool quotes(const Verdict& v, std::string_view text) {
  for (const Evidence& e : v.evidence)
    if (e.text.find(text) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("each recorded tool output is read as its shape and classified as it shows", "[paste]") {
  const Case cases[] = {
      {"swaks_verified.paste", PasteShape::swaks, "tls-success", Confidence::high, ""},
      {"swaks_refused454.paste", PasteShape::swaks, "starttls-refused", Confidence::high,
       "454 4.7.0 TLS not available due to local problem"},
      {"swaks_refused501.paste", PasteShape::swaks, "starttls-refused", Confidence::high,
       "501 5.5.4 Syntax error"},
      {"swaks_notoffered.paste", PasteShape::swaks, "starttls-not-offered", Confidence::high, ""},
      {"swaks_masked.paste", PasteShape::swaks, "starttls-masked", Confidence::high, nullptr},
      {"swaks_masked500.paste", PasteShape::swaks, "starttls-masked", Confidence::high, nullptr},
      {"swaks_selfsigned.paste", PasteShape::swaks, "certificate-invalid", Confidence::high, nullptr},
      {"swaks_handshake-garbage.paste", PasteShape::swaks, "handshake-failed", Confidence::high, nullptr},
      {"swaks_handshake-tls10.paste", PasteShape::swaks, "handshake-failed", Confidence::high, nullptr},
      {"posttls-finger_verified.paste", PasteShape::posttls_finger, "tls-success", Confidence::high, ""},
      {"posttls-finger_may.paste", PasteShape::posttls_finger, "tls-success", Confidence::high, ""},
      {"posttls-finger_selfsigned.paste", PasteShape::posttls_finger, "certificate-invalid",
       Confidence::high, "not-trusted"},
      {"posttls-finger_expired.paste", PasteShape::posttls_finger, "certificate-invalid",
       Confidence::high, "expired"},
      {"posttls-finger_mismatch.paste", PasteShape::posttls_finger, "certificate-invalid",
       Confidence::high, "host-mismatch"},
      {"posttls-finger_refused454.paste", PasteShape::posttls_finger, "starttls-refused",
       Confidence::high, nullptr},
      {"posttls-finger_notoffered.paste", PasteShape::posttls_finger, "starttls-not-offered",
       Confidence::high, ""},
      {"posttls-finger_masked.paste", PasteShape::posttls_finger, "starttls-masked",
       Confidence::high, nullptr},
      {"posttls-finger_masked500.paste", PasteShape::posttls_finger, "starttls-masked",
       Confidence::high, nullptr},
      {"posttls-finger_handshake-garbage.paste", PasteShape::posttls_finger, "handshake-failed",
       Confidence::high, nullptr},
      {"openssl_verified.paste", PasteShape::openssl, "tls-success", Confidence::medium, ""},
      {"openssl_selfsigned.paste", PasteShape::openssl, "certificate-invalid", Confidence::medium,
       "not-trusted"},
      {"openssl_selfsigned-brief.paste", PasteShape::openssl, "certificate-invalid",
       Confidence::medium, "not-trusted"},
      {"openssl_expired.paste", PasteShape::openssl, "certificate-invalid", Confidence::medium,
       "expired"},
      {"openssl_mismatch.paste", PasteShape::openssl, "certificate-invalid", Confidence::medium,
       "host-mismatch"},
      {"openssl_notoffered.paste", PasteShape::openssl, "starttls-not-offered", Confidence::low, ""},
      {"openssl_handshake-garbage.paste", PasteShape::openssl, "handshake-failed",
       Confidence::medium, nullptr},
      {"openssl_handshake-tls10.paste", PasteShape::openssl, "handshake-failed",
       Confidence::medium, nullptr},
      {"telnet_refused454.paste", PasteShape::telnet, "starttls-refused", Confidence::high, nullptr},
      {"telnet_masked.paste", PasteShape::telnet, "starttls-masked", Confidence::high, nullptr},
      {"telnet_starttls-accepted.paste", PasteShape::telnet, "tls-success", Confidence::low, ""},
      {"nc_starttls-accepted.paste", PasteShape::dialogue, "tls-success", Confidence::low, ""},
      {"nc_notoffered.paste", PasteShape::dialogue, "starttls-not-offered", Confidence::high,
       "500 5.5.1 Command unrecognized: \"STARTTLS\""},
      {"curl_timestamped_ok.paste", PasteShape::marked, "tls-success", Confidence::high, ""},
      {"curl_selfsigned.paste", PasteShape::marked, "certificate-invalid", Confidence::high,
       "not-trusted"},
      {"exchange_receive_starttls.paste", PasteShape::exchange, "tls-success", Confidence::high, ""},
      {"exchange_send_nocredentials.paste", PasteShape::exchange, "handshake-failed",
       Confidence::medium, "TLS negotiation failed with error NoCredentials"},
  };
  for (const Case& c : cases) {
    INFO(c.file);
    auto dialogues = read_paste(read_paste_file(c.file), 1);
    REQUIRE(dialogues.size() == 1);
    CHECK(dialogues[0].shape == c.shape);
    const Verdict v = classify_pasted(std::move(dialogues[0]));
    CHECK(outcome_name(v.outcome) == c.outcome);
    CHECK(v.confidence == c.confidence);
    if (c.detail) CHECK(v.detail == c.detail);
  }
}

TEST_CASE("a tool's TLS result line is quoted as the evidence of its verdict", "[paste]") {
  const std::pair<const char*, const char*> cases[] = {
      {"swaks_selfsigned.paste", "*** TLS startup failed (connect(): error:0A000086:SSL routines::certificate verify failed)"},
      {"posttls-finger_expired.paste", "server certificate verification failed for 127.0.0.1[127.0.0.1]:2704: certificate has expired"},
      {"openssl_mismatch.paste", "Verification error: hostname mismatch"},
      {"swaks_verified.paste", "=== TLS started with cipher TLSv1.3:TLS_AES_256_GCM_SHA384:256"},
      {"exchange_send_nocredentials.paste", "TLS negotiation failed with error NoCredentials"},
  };
  for (const auto& [file, line] : cases) {
    INFO(file);
    auto dialogues = read_paste(read_paste_file(file), 1);
    REQUIRE(dialogues.size() == 1);
    CHECK(quotes(classify_pasted(std::move(dialogues[0])), line));
  }
}

TEST_CASE("the protocol and cipher a tool reports are kept for the explanation", "[paste]") {
  auto swaks = read_paste(read_paste_file("swaks_verified.paste"), 1);
  REQUIRE(swaks.size() == 1);
  CHECK(swaks[0].tls_protocol == "TLSv1.3");
  CHECK(swaks[0].tls_cipher == "TLS_AES_256_GCM_SHA384");
  auto exchange = read_paste(read_paste_file("exchange_receive_starttls.paste"), 1);
  REQUIRE(exchange.size() == 1);
  CHECK(exchange[0].tls_protocol == "TLSv1.2");
  CHECK(exchange[0].direction == Direction::inbound);
}

TEST_CASE("an Exchange EHLO reply logged on one line is read as its keywords", "[paste]") {
  auto d = read_paste(read_paste_file("exchange_receive_starttls.paste"), 1);
  REQUIRE(d.size() == 1);
  const Verdict v = classify_pasted(std::move(d[0]));
  std::vector<std::string> keywords;
  for (const EhloKeyword& k : v.keywords_before_tls) keywords.push_back(k.keyword);
  CHECK(std::find(keywords.begin(), keywords.end(), "STARTTLS") != keywords.end());
  CHECK(std::find(keywords.begin(), keywords.end(), "AUTH") != keywords.end());
  CHECK(std::find(keywords.begin(), keywords.end(), "NTLM") == keywords.end());
}

TEST_CASE("a Postfix log gives one connection per delivery attempt or smtpd session, in order",
          "[paste]") {
  auto d = read_paste(read_paste_file("postfix_maillog.paste"), 1);
  std::vector<std::string> outcomes;
  for (PastedDialogue& one : d) {
    CHECK(one.shape == PasteShape::postfix_log);
    outcomes.emplace_back(outcome_name(classify_pasted(std::move(one)).outcome));
  }
  // may: untrusted but encrypted; three secure-level failures (IP address, host name,
  // expiry: the IP check fails first twice); 454 to a required STARTTLS; not offered;
  // masked (the PIX banner); a lost handshake; inbound: success, then a failed handshake.
  CHECK(outcomes == std::vector<std::string>{
                        "tls-success", "certificate-invalid", "certificate-invalid",
                        "certificate-invalid", "starttls-refused", "starttls-not-offered",
                        "starttls-not-offered", "handshake-failed", "tls-success",
                        "handshake-failed"});
}

TEST_CASE("several dialogues in one paste are each read, in order", "[paste]") {
  const std::string paste = "Ticket 4711, first test:\n" + read_paste_file("swaks_refused454.paste") +
                            "\nand then openssl:\n" + read_paste_file("openssl_expired.paste") +
                            read_paste_file("telnet_masked.paste") +
                            read_paste_file("telnet_refused454.paste");
  auto d = read_paste(paste, 1);
  REQUIRE(d.size() == 4);
  CHECK(d[0].shape == PasteShape::swaks);
  CHECK(d[1].shape == PasteShape::openssl);
  CHECK(d[2].shape == PasteShape::telnet);
  CHECK(d[3].shape == PasteShape::telnet);
  CHECK(d[0].first_line < d[1].first_line);
  CHECK(outcome_name(classify_pasted(d[0]).outcome) == "starttls-refused");
  CHECK(outcome_name(classify_pasted(d[1]).outcome) == "certificate-invalid");
  CHECK(outcome_name(classify_pasted(d[2]).outcome) == "starttls-masked");
  CHECK(outcome_name(classify_pasted(d[3]).outcome) == "starttls-refused");
}

TEST_CASE("text without an SMTP dialogue or a TLS result yields no connection", "[paste]") {
  CHECK(read_paste("Hello Anna,\n\nthe partner says our mail arrives unencrypted.\nRegards\n").empty());
  CHECK(read_paste("Traceback (most recent call last):\n  File \"x.py\", line 3, in <module>\n"
                   "ValueError: 404 not found\n").empty());
  CHECK(read_paste("").empty());
}

TEST_CASE("dialogue lines after a timestamp and a marker are read, any marker style", "[paste]") {
  const char* pastes[] = {
      "2024-05-02 10:00:01 S: 220 mx.example.com ESMTP\n2024-05-02 10:00:01 C: EHLO a.example\n"
      "2024-05-02 10:00:01 S: 250-mx.example.com\n2024-05-02 10:00:01 S: 250 STARTTLS\n"
      "2024-05-02 10:00:02 C: STARTTLS\n2024-05-02 10:00:02 S: 454 4.7.0 TLS not available\n",
      "[10:00:01] <<< 220 mx.example.com ESMTP\n[10:00:01] >>> ehlo a.example\n"
      "[10:00:01] <<< 250-mx.example.com\n[10:00:01] <<< 250 STARTTLS\n"
      "[10:00:02] >>> starttls\n[10:00:02] <<< 454 4.7.0 TLS not available\n",
      "s: 220 mx.example.com ESMTP\nc: EHLO a.example\ns: 250-mx.example.com\ns: 250 STARTTLS\n"
      "c: STARTTLS\ns: 454 4.7.0 TLS not available\n",
  };
  for (const char* p : pastes) {
    INFO(p);
    auto d = read_paste(p, 1);
    REQUIRE(d.size() == 1);
    CHECK(d[0].shape == PasteShape::marked);
    CHECK(outcome_name(classify_pasted(std::move(d[0])).outcome) == "starttls-refused");
  }
}

TEST_CASE("prose around a bare dialogue is not taken for client commands", "[paste]") {
  auto d = read_paste(
      "Here is what the partner's server answered:\n220 mx.example.com ESMTP\nEHLO a.example\n"
      "250-mx.example.com\n250 STARTTLS\nAs you can see it offers TLS.\n", 1);
  REQUIRE(d.size() == 1);
  // Without the prose taken as a command, the client has not yet gone on without TLS.
  CHECK(outcome_name(classify_pasted(std::move(d[0])).outcome) != "tls-not-attempted");
}

TEST_CASE("a pasted debug log's interleaved connections are each read by their id", "[paste]") {
  std::ifstream in(fs::path(MAILTLS_SAMPLES_DIR) / "scenarios" / "starttls-refused" / "debug.log");
  REQUIRE(in);
  std::ostringstream text;
  text << in.rdbuf();
  auto d = read_paste(text.str(), 1);
  REQUIRE(d.size() == 3);
  std::vector<std::string> outcomes;
  for (PastedDialogue& one : d) {
    CHECK(one.shape == PasteShape::esa_debug);
    outcomes.emplace_back(outcome_name(classify_pasted(std::move(one)).outcome));
  }
  // The scenario's connection of interest (DCID 3106) comes last, among two others.
  CHECK(outcomes ==
        std::vector<std::string>{"tls-success", "starttls-not-offered", "starttls-refused"});
}
