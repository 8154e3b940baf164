// The connection builder, driven by hand-made events in the order real logs give them.
#include <catch2/catch.hpp>

#include <map>

#include "session/sessions.h"

using namespace mailtls;

namespace {

class CollectSink : public SessionSink {
 public:
  int64_t new_message_id() override { return ++message_ids; }
  void connection_finished(Connection&& c) override { connections.push_back(std::move(c)); }
  void message_finished(Message&& m) override { messages.push_back(std::move(m)); }

  const Connection* find(Direction d, int64_t id, const std::string& appliance = "esa1") const {
    for (const auto& c : connections)
      if (c.direction == d && c.conn_id == id && c.appliance == appliance) return &c;
    return nullptr;
  }

  int64_t message_ids = 0;
  std::vector<Connection> connections;
  std::vector<Message> messages;
};

struct Feeder {
  Sessions& sessions;
  std::string appliance = "esa1";
  int64_t time = 1700000000;
  int64_t line_no = 0;

  void operator()(EventType type, std::initializer_list<std::string_view> fields,
                  std::string_view text = "line") {
    Event ev;
    ev.type = type;
    size_t i = 0;
    for (auto f : fields) ev.fields[i++] = f;
    LineInfo info{appliance, time, LineRef{1, ++line_no}, text};
    sessions.on_event(ev, info);
  }
};

}  // namespace

TEST_CASE("interleaved inbound and outbound connections are rebuilt apart", "[sessions]") {
  CollectSink sink;
  Sessions sessions({}, sink);
  Feeder feed{sessions};
  using E = EventType;
  feed(E::icid_new, {"5", "10.1.1.209", "remotehost.com", "10.1.1.1", "Management", "yes"});
  feed(E::icid_new, {"6", "10.1.1.210", "unknown", "10.1.1.1", "Management", "no"});
  feed(E::icid_tls_success, {"5", "TLSv1.2", "ECDHE-RSA-AES256-GCM-SHA384"});
  feed(E::mid_start, {"60", "5"});
  feed(E::mid_from, {"60", "5", "<sender@Remote.example>"});
  feed(E::mid_to, {"60", "5", "0", "<mary@dest.example>"});
  feed(E::icid_close, {"6"});
  feed(E::dcid_new, {"8", "10.5.3.25", "25", "192.168.42.42", ""});
  feed(E::delivery_start, {"8", "60", "[0]"});
  feed(E::dcid_tls_failed, {"8", "(336151574, 'error:14094416:SSL routines')"});
  feed(E::delivery_done, {"8", "60", "[0]"});
  feed(E::mid_response, {"60", "[0]", "'2.0.0 Ok: queued'"});
  feed(E::icid_close, {"5"});
  feed(E::dcid_close, {"8"});

  REQUIRE(sink.connections.size() == 3);
  const Connection* in5 = sink.find(Direction::inbound, 5);
  REQUIRE(in5);
  CHECK(in5->has_open);
  CHECK(in5->has_close);
  CHECK(in5->peer_host == "remotehost.com");
  CHECK(in5->domain == "remote.example");
  CHECK(in5->tls_protocol == "TLSv1.2");
  CHECK(in5->log.size() == 3);

  const Connection* in6 = sink.find(Direction::inbound, 6);
  REQUIRE(in6);
  CHECK(in6->peer_host.empty());  // "unknown" is no host name

  const Connection* out8 = sink.find(Direction::outbound, 8);
  REQUIRE(out8);
  CHECK(out8->domain == "dest.example");
  REQUIRE(out8->deliveries.size() == 1);
  CHECK(out8->deliveries[0].result == DeliveryResult::delivered);
  CHECK(out8->deliveries[0].response == "'2.0.0 Ok: queued'");
  REQUIRE(out8->log.size() == 4);  // open, tls failed, message done, close
  CHECK(out8->log[1].type == EventType::dcid_tls_failed);
  CHECK(out8->log[1].detail.find("SSL routines") != std::string::npos);
}

TEST_CASE("connections of two appliances with the same number never merge", "[sessions]") {
  CollectSink sink;
  Sessions sessions({}, sink);
  Feeder a{sessions, "esa1"};
  Feeder b{sessions, "esa2"};
  a(EventType::dcid_new, {"30", "10.0.0.1", "25", "", ""});
  b(EventType::dcid_new, {"30", "10.0.0.2", "25", "", ""});
  a(EventType::dcid_tls_success, {"30", "TLSv1.2", "AES128-SHA", ""});
  b(EventType::dcid_starttls_unsupported, {"30"});
  a(EventType::dcid_close, {"30"});
  b(EventType::dcid_close, {"30"});
  REQUIRE(sink.connections.size() == 2);
  CHECK(sink.find(Direction::outbound, 30, "esa1")->peer_ip == "10.0.0.1");
  CHECK(sink.find(Direction::outbound, 30, "esa2")->peer_ip == "10.0.0.2");
  CHECK(sink.find(Direction::outbound, 30, "esa2")->tls_protocol.empty());
}

TEST_CASE("debug-log lines join their connection and the sender follows who sends EHLO", "[sessions]") {
  CollectSink sink;
  Sessions sessions({}, sink);
  Feeder feed{sessions};
  using E = EventType;
  feed(E::dcid_new, {"5165207", "192.0.2.7", "25", "", ""});
  feed(E::debug_sent, {"5165207", "EHLO mx4.example.com"});
  feed(E::debug_rcvd, {"5165207", "250-eq-c601.example.com"});
  feed(E::debug_rcvd, {"5165207", "250 STARTTLS"});
  // An inbound dialogue: the appliance receives EHLO and sends the replies.
  feed(E::debug_sent, {"77", "220 esa.example.org ESMTP"});
  feed(E::debug_rcvd, {"77", "EHLO client.example.net"});
  feed(E::dcid_close, {"5165207"});
  sessions.finish_all();

  const Connection* out = sink.find(Direction::outbound, 5165207);
  REQUIRE(out);
  REQUIRE(out->transcript.size() == 3);
  CHECK(out->transcript[0].sender == Sender::client);
  CHECK(out->transcript[1].sender == Sender::server);
  CHECK(out->transcript[1].text == "250-eq-c601.example.com");

  const Connection* in = sink.find(Direction::inbound, 77);
  REQUIRE(in);
  CHECK_FALSE(in->has_open);  // only the debug log spoke of it: a fragment to reconcile
  REQUIRE(in->transcript.size() == 2);
  CHECK(in->transcript[0].sender == Sender::server);
  CHECK(in->transcript[1].sender == Sender::client);
}

TEST_CASE("debug lines read before the opening line are adopted by it", "[sessions]") {
  CollectSink sink;
  Sessions sessions({}, sink);
  Feeder feed{sessions};
  feed(EventType::debug_sent, {"9", "EHLO mx.example.com"});
  feed(EventType::dcid_new, {"9", "192.0.2.9", "25", "", ""});
  feed(EventType::dcid_close, {"9"});
  REQUIRE(sink.connections.size() == 1);
  CHECK(sink.connections[0].has_open);
  CHECK(sink.connections[0].transcript.size() == 1);
}

TEST_CASE("connections are handed on without an id, messages with theirs", "[sessions]") {
  CollectSink sink;
  Sessions sessions({}, sink);
  Feeder feed{sessions};
  feed(EventType::dcid_new, {"7", "192.0.2.7", "25", "", ""});
  feed(EventType::debug_sent, {"8", "EHLO mx.example.com"});
  sessions.finish_all();
  REQUIRE(sink.connections.size() == 2);
  for (const auto& c : sink.connections) CHECK(c.id == 0);  // the store numbers them
}

TEST_CASE("a connection idle longer than the time-out is finished, others stay open", "[sessions]") {
  CollectSink sink;
  Sessions sessions({.idle_timeout = 600, .max_open = 1000}, sink);
  Feeder feed{sessions};
  feed(EventType::icid_new, {"1", "192.0.2.1", "a.example", "", "", ""});
  feed.time += 300;
  feed(EventType::icid_new, {"2", "192.0.2.2", "b.example", "", "", ""});
  for (int i = 0; i < 5000; ++i) {
    feed.time += 1;
    feed(EventType::icid_policy, {"2", "ACCEPT", "G", "1.0"});
  }
  REQUIRE(sink.connections.size() == 1);
  CHECK(sink.connections[0].conn_id == 1);
  CHECK(sessions.open_connections() == 1);
  CHECK(sessions.stats().timed_out == 1);
}

TEST_CASE("the number of connections held in memory is bounded", "[sessions]") {
  CollectSink sink;
  Sessions sessions({.idle_timeout = 1 << 30, .max_open = 100}, sink);
  Feeder feed{sessions};
  std::vector<std::string> ids;
  for (int i = 0; i < 10000; ++i) ids.push_back(std::to_string(i + 1));  // ESA ids start at 1
  for (int i = 0; i < 10000; ++i) {
    ++feed.time;
    feed(EventType::dcid_new, {ids[i], "192.0.2.1", "25", "", ""});
    CHECK(sessions.open_connections() <= 101);
  }
  CHECK(sessions.stats().peak_open <= 101);
  sessions.finish_all();
  CHECK(sink.connections.size() == 10000);
}

TEST_CASE("a number opened again finishes the earlier connection", "[sessions]") {
  CollectSink sink;
  Sessions sessions({}, sink);
  Feeder feed{sessions};
  feed(EventType::dcid_new, {"3", "192.0.2.1", "25", "", ""});
  feed(EventType::dcid_new, {"3", "192.0.2.2", "25", "", ""});
  feed(EventType::dcid_close, {"3"});
  REQUIRE(sink.connections.size() == 2);
  CHECK(sink.connections[0].peer_ip == "192.0.2.1");
  CHECK_FALSE(sink.connections[0].has_close);
  CHECK(sink.connections[1].peer_ip == "192.0.2.2");
  CHECK(sink.connections[1].has_close);
}

TEST_CASE("bounce lines attach to the connection that carried the message", "[sessions]") {
  CollectSink sink;
  Sessions sessions({}, sink);
  Feeder feed{sessions};
  using E = EventType;
  feed(E::mid_to, {"19", "", "0", "<zecora@buttercupgames.com>"});
  feed(E::dcid_new, {"84", "192.0.2.5", "25", "", ""});
  feed(E::delivery_start, {"84", "19", "[0]"});
  feed(E::delayed, {"", "19", "0", "<zecora@buttercupgames.com>", "4.3.2 - Not accepting messages"});
  feed(E::dcid_close, {"84"});
  REQUIRE(sink.connections.size() == 1);
  const auto& c = sink.connections[0];
  CHECK(c.domain == "buttercupgames.com");
  REQUIRE(c.deliveries.size() == 1);
  CHECK(c.deliveries[0].result == DeliveryResult::delayed);
  REQUIRE(c.log.size() == 3);  // open, delayed, close
  CHECK(c.log[1].type == E::delayed);
}

TEST_CASE("a bounce logged after its connection closed is a piece of its own, finished at once", "[sessions]") {
  CollectSink sink;
  Sessions sessions({}, sink);
  Feeder feed{sessions};
  using E = EventType;
  feed(E::mid_to, {"19", "", "0", "<zecora@buttercupgames.com>"});
  feed(E::dcid_new, {"84", "192.0.2.5", "25", "", ""});
  feed(E::delivery_start, {"84", "19", "[0]"});
  feed(E::dcid_close, {"84"});
  REQUIRE(sink.connections.size() == 1);
  feed(E::bounced, {"84", "19", "0", "<zecora@buttercupgames.com>", "5.1.1 - Unknown address"});
  // Not held open: the store joins the piece to its connection by number and time.
  REQUIRE(sink.connections.size() == 2);
  const Connection& piece = sink.connections[1];
  CHECK(piece.conn_id == 84);
  CHECK_FALSE(piece.has_close);
  REQUIRE(piece.deliveries.size() == 1);
  CHECK(piece.deliveries[0].result == DeliveryResult::bounced);
  // The number used again later starts a connection of its own, without the bounce.
  feed(E::dcid_new, {"84", "192.0.2.9", "25", "", ""});
  feed(E::dcid_close, {"84"});
  REQUIRE(sink.connections.size() == 3);
  CHECK(sink.connections[2].peer_ip == "192.0.2.9");
  CHECK(sink.connections[2].deliveries.empty());
}

TEST_CASE("a file read after one that ran hours ahead keeps its own connections open", "[sessions]") {
  CollectSink sink;
  Sessions sessions({.idle_timeout = 600, .max_open = 1000}, sink);
  // A debug log read first ends in the evening...
  Feeder debug{sessions};
  debug.time += 10 * 3600;
  debug(EventType::debug_sent, {"9", "QUIT"});
  // ...then the mail_logs of the same day start in the morning: a connection open for a
  // few minutes among thousands of other lines is not idle by its own file's clock.
  Feeder mail{sessions};
  mail(EventType::dcid_new, {"40", "192.0.2.40", "25", "", ""});
  for (int i = 0; i < 5000; ++i) {
    if (i % 50 == 0) ++mail.time;
    mail(EventType::icid_policy, {"7", "ACCEPT", "G", "1.0"});
  }
  mail(EventType::dcid_close, {"40"});
  const Connection* c = sink.find(Direction::outbound, 40);
  REQUIRE(c);
  CHECK(c->has_open);
  CHECK(c->has_close);
}

TEST_CASE("a debug dialogue stays open for its mail_logs connection read later", "[sessions]") {
  CollectSink sink;
  Sessions sessions({.idle_timeout = 600, .max_open = 1000}, sink);
  Feeder debug{sessions};
  debug(EventType::debug_sent, {"50", "EHLO esa1.example.com"});
  debug(EventType::debug_rcvd, {"50", "250 STARTTLS"});
  // The rest of the debug log moves hours past the dialogue.
  for (int i = 0; i < 5000; ++i) {
    debug.time += 5;
    debug(EventType::debug_sent, {"51", "QUIT"});
  }
  CHECK(sink.find(Direction::outbound, 50) == nullptr);  // not written as a fragment
  Feeder mail{sessions};
  mail(EventType::dcid_new, {"50", "192.0.2.50", "25", "", ""});
  mail(EventType::dcid_close, {"50"});
  const Connection* c = sink.find(Direction::outbound, 50);
  REQUIRE(c);
  CHECK(c->has_open);
  CHECK(c->transcript.size() == 2);
}
