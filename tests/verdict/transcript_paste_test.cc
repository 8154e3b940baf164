#include "verdict/transcript_paste.h"

#include <catch2/catch.hpp>

using namespace mailtls;

namespace {

// The conversation of seed 002 (Arabic page), pasted as the page renders it.
constexpr std::string_view kMisorderedPaste =
    "mail.domain1.com ESMTP Service ready 220\n"
    "EHLO ESA.com\n"
    ".250-STARTTLS <--- 250-STARTTLS is before the server greeting\n"
    ".250-mail.domain1.com <--- This is the 250 destination server greeting\n"
    "250-8BITMIME\n"
    "250-PIPELINING\n"
    "250-HELP\n"
    "250-DELIVERBY 300\n";

// The same page's corrected conversation: the last line lost its code and its
// annotation wrapped onto a line of its own.
constexpr std::string_view kCorrectPaste =
    "mail-esa.com ESMTP 220\n"
    "EHLO connecting.server.com\n"
    ".250-mail-esa.com <--- This is the 250 destination server greeting\n"
    "250-8BITMIME\n"
    "250-SIZE 33554432\n"
    "STARTTLS <--- STARTTLS is available after the greeting, it's not considered a greeting as "
    "250\n"
    ".per RFC\n";

std::vector<std::string> texts(const std::vector<TranscriptLine>& lines) {
  std::vector<std::string> out;
  for (const auto& l : lines) out.push_back(l.text);
  return out;
}

}  // namespace

TEST_CASE("a pasted dialogue damaged by right-to-left rendering is repaired", "[paste]") {
  auto lines = parse_pasted_transcript(kMisorderedPaste, 7);
  CHECK(texts(lines) ==
        std::vector<std::string>{"220 mail.domain1.com ESMTP Service ready", "EHLO ESA.com",
                                 "250-STARTTLS", "250-mail.domain1.com", "250-8BITMIME",
                                 "250-PIPELINING", "250-HELP", "250-DELIVERBY 300"});
  REQUIRE(lines.size() == 8);
  CHECK(lines[0].sender == Sender::server);
  CHECK(lines[1].sender == Sender::client);
  CHECK(lines[2].sender == Sender::server);
  CHECK(lines[2].ref.line_no == 3);
  CHECK(lines[2].ref.source_id == 7);
}

TEST_CASE("a code-less line inside an open reply is the reply's last line", "[paste]") {
  auto lines = parse_pasted_transcript(kCorrectPaste);
  REQUIRE(lines.size() == 6);
  CHECK(lines[5].text == "250 STARTTLS");
  CHECK(lines[5].sender == Sender::server);
  CHECK(lines[5].ref.line_no == 6);
}

TEST_CASE("blank lines are skipped and line numbers follow the pasted text", "[paste]") {
  auto lines = parse_pasted_transcript("\n220 mx.example.com ESMTP\n\n\nEHLO me.example.com\n");
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].ref.line_no == 2);
  CHECK(lines[1].ref.line_no == 5);
}

TEST_CASE("domain debug log lines: Sent is the appliance as client, Rcvd the server", "[paste]") {
  auto lines = parse_pasted_transcript(
      "Mon May 16 18:34:30 2005 Info: 5165207 Sent: 'EHLO mx4.example.com'\n"
      "Mon May 16 18:34:30 2005 Info: 5165207 Rcvd: '250-eq-c601.example.com'\n"
      "Mon May 16 18:34:30 2005 Info: 5165207 Rcvd: '250 STARTTLS'\n");
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].sender == Sender::client);
  CHECK(lines[0].text == "EHLO mx4.example.com");
  CHECK(lines[1].sender == Sender::server);
  CHECK(lines[2].text == "250 STARTTLS");
}

TEST_CASE("localized debug log lines of the seeds are read with their quotes stripped", "[paste]") {
  auto lines = parse_pasted_transcript(
      "Lun 16 mai 18:34:30 les 2005 informations : 5165207 envoyé : « EHLO mx4.example.com »\n"
      "Lun 16 mai 18:34:30 les 2005 informations : 5165207 Rcvd : '250-eq-c601.example.com\n"
      "Segunda-feira o 16 de maio 18:34:30 2005 informações: 5165207 rcvds: '250 STARTTLS\n"
      "Segunda-feira o 16 de maio 18:34:30 2005 informações: 5165207 enviado: \"STARTTLS\"\n");
  CHECK(texts(lines) == std::vector<std::string>{"EHLO mx4.example.com", "250-eq-c601.example.com",
                                                 "250 STARTTLS", "STARTTLS"});
  REQUIRE(lines.size() == 4);
  CHECK(lines[0].sender == Sender::client);
  CHECK(lines[2].sender == Sender::server);
  CHECK(lines[3].sender == Sender::client);
}

TEST_CASE("an injection debug log, where Rcvd carries EHLO, swaps the roles", "[paste]") {
  auto lines = parse_pasted_transcript(
      "Info: 282204970 Sent: '220 esa.example.com ESMTP'\n"
      "Info: 282204970 Rcvd: 'EHLO sender.example.org'\n"
      "Info: 282204970 Sent: '250-esa.example.com'\n"
      "Info: 282204970 Sent: '250 STARTTLS'\n");
  REQUIRE(lines.size() == 4);
  CHECK(lines[0].sender == Sender::server);
  CHECK(lines[1].sender == Sender::client);
  CHECK(lines[3].sender == Sender::server);
}

TEST_CASE("S: and C: prefixes of RFC-style examples are dropped", "[paste]") {
  auto lines = parse_pasted_transcript("S: 220 mx.example.com ESMTP\nC: EHLO a.example.org\n");
  CHECK(texts(lines) == std::vector<std::string>{"220 mx.example.com ESMTP", "EHLO a.example.org"});
  REQUIRE(lines.size() == 2);
  CHECK(lines[1].sender == Sender::client);
}
