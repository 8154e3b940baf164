#include "verdict/ehlo.h"

#include <catch2/catch.hpp>

using namespace mailtls;

namespace {

EhloReply parse(std::vector<std::string_view> lines) {
  return parse_ehlo_reply(lines);
}

std::vector<std::string> names(const EhloReply& r) {
  std::vector<std::string> out;
  for (const auto& k : r.keywords) out.push_back(k.keyword);
  return out;
}

}  // namespace

TEST_CASE("a well-formed EHLO reply gives the domain and the keywords in order", "[ehlo]") {
  EhloReply r =
      parse({"250-eq-c601.example.com", "250-8BITMIME", "250-SIZE 10485760", "250 STARTTLS"});
  CHECK(r.code == 250);
  CHECK(r.domain == "eq-c601.example.com");
  CHECK(r.domain_line == 0);
  CHECK(names(r) == std::vector<std::string>{"8BITMIME", "SIZE", "STARTTLS"});
  CHECK(r.keywords[1].params == "10485760");
  CHECK(r.starttls);
  CHECK_FALSE(r.misordered());
  CHECK_FALSE(r.masked());
  CHECK_FALSE(r.rejected);
}

TEST_CASE("the greeting after the domain is kept apart from it", "[ehlo]") {
  EhloReply r = parse({"250-mx.example.org Hello relay.example.com [192.0.2.1]", "250 HELP"});
  CHECK(r.domain == "mx.example.org");
  CHECK(r.greeting == "Hello relay.example.com [192.0.2.1]");
}

TEST_CASE("lower-case keywords are read case-insensitively and stored upper case", "[ehlo]") {
  EhloReply r = parse({"250-mail.example.net", "250-size 52428800", "250 starttls"});
  CHECK(names(r) == std::vector<std::string>{"SIZE", "STARTTLS"});
  CHECK(r.starttls);
}

TEST_CASE("AUTH=LOGIN is the keyword AUTH with its mechanisms as parameters", "[ehlo]") {
  EhloReply r =
      parse({"250-exch.example.com", "250-AUTH LOGIN PLAIN", "250-AUTH=LOGIN", "250 X-EXPS=LOGIN"});
  REQUIRE(r.keywords.size() == 3);
  CHECK(r.keywords[0].keyword == "AUTH");
  CHECK(r.keywords[0].params == "LOGIN PLAIN");
  CHECK(r.keywords[1].keyword == "AUTH");
  CHECK(r.keywords[1].params == "LOGIN");
  CHECK(r.keywords[2].keyword == "X-EXPS");
}

TEST_CASE("a 250-STARTTLS line before the domain line is misplaced, not offered", "[ehlo]") {
  EhloReply r = parse({"250-STARTTLS", "250-mail.domain1.com", "250-8BITMIME", "250-PIPELINING",
                       "250-HELP", "250-DELIVERBY 300", "250 SIZE 30000000"});
  CHECK(r.domain == "mail.domain1.com");
  CHECK(r.domain_line == 1);
  CHECK(r.misplaced_starttls_line == 0);
  CHECK_FALSE(r.starttls);
  CHECK(r.misordered());
  CHECK(names(r).front() == "STARTTLS");
}

TEST_CASE("a lone leading STARTTLS line is read as the domain by a strict client", "[ehlo]") {
  EhloReply r = parse({"250-STARTTLS", "250-8BITMIME", "250 SIZE 1000"});
  CHECK(r.misordered());
}

TEST_CASE("lines damaged by right-to-left rendering are repaired before parsing", "[ehlo]") {
  EhloReply r = parse({".250-STARTTLS", ".250-mail.domain1.com", "250-8BITMIME"});
  CHECK(r.misordered());
  CHECK(r.domain == "mail.domain1.com");
}

TEST_CASE("keywords replaced by X's reveal a masking firewall", "[ehlo]") {
  EhloReply r = parse({"250-8BITMIME", "250-SIZE 14680064", "250 XXXXXXXA"});
  CHECK(r.masked());
  CHECK(r.masked_line == 2);
  CHECK_FALSE(r.starttls);
  CHECK(names(r) == std::vector<std::string>{"8BITMIME", "SIZE", "XXXXXXXA"});
}

TEST_CASE("an EHLO answered 500, 502 or 504 is rejected", "[ehlo]") {
  CHECK(parse({"500 #5.5.1 command not recognized"}).rejected);
  CHECK(parse({"502 5.5.2 Error: command not implemented"}).rejected);
  CHECK(parse({"504 5.5.2 not supported"}).rejected);
  CHECK_FALSE(parse({"250 mx.example.com"}).rejected);
}

TEST_CASE("repair_reply_line moves a trailing reply code back to the front", "[ehlo]") {
  CHECK(repair_reply_line("mail.domain1.com ESMTP Service ready 220") ==
        "220 mail.domain1.com ESMTP Service ready");
  CHECK(repair_reply_line(".250-STARTTLS") == "250-STARTTLS");
  CHECK(repair_reply_line("250-SIZE 10485760") == "250-SIZE 10485760");
  CHECK(repair_reply_line("EHLO ESA.com") == "EHLO ESA.com");
  CHECK(repair_reply_line("MAIL FROM:<a@example.com> SIZE=220") ==
        "MAIL FROM:<a@example.com> SIZE=220");
}

TEST_CASE("masked tokens and banners are told from real keywords", "[ehlo]") {
  CHECK(is_masked_token("XXXXXXXA"));
  CHECK(is_masked_token("XXXXXXXX"));
  CHECK_FALSE(is_masked_token("XEXCH50"));
  CHECK_FALSE(is_masked_token("X-EXPS"));
  CHECK_FALSE(is_masked_token("XCLIENT"));
  CHECK(is_masked_banner("220 *****"));
  CHECK(is_masked_banner("220 ********************************"));
  CHECK_FALSE(is_masked_banner("220 mx.example.com ESMTP"));
}

TEST_CASE("split_reply_line tells continuation from final lines", "[ehlo]") {
  ReplyLine a = split_reply_line("250-SIZE 100");
  CHECK(a.code == 250);
  CHECK_FALSE(a.last);
  CHECK(a.text == "SIZE 100");
  ReplyLine b = split_reply_line("250 STARTTLS");
  CHECK(b.last);
  CHECK(split_reply_line("220").code == 220);
  CHECK(split_reply_line("STARTTLS").code == 0);
}

TEST_CASE("the server's name is read from its greeting or EHLO reply, never from another reply", "[ehlo]") {
  CHECK(server_name_in_reply("220 mx.example.com ESMTP Postfix") == "mx.example.com");
  CHECK(server_name_in_reply("250-mx.example.com Hello esa.corp.example") == "mx.example.com");
  CHECK(server_name_in_reply("250 mx-2.example.com") == "mx-2.example.com");
  CHECK(server_name_in_reply("250-STARTTLS").empty());         // a keyword, no dot
  CHECK(server_name_in_reply("250 2.1.0 Sender OK").empty());  // an enhanced status code
  CHECK(server_name_in_reply("220 192.0.2.1 ESMTP").empty());  // an address, not a name
  CHECK(server_name_in_reply("354 mx.example.com go ahead").empty());
  CHECK(server_name_in_reply("220 ***************").empty());
}
