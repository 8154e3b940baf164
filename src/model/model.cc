#include "model/model.h"

namespace mailtls {

std::string_view direction_name(Direction d) {
  return d == Direction::inbound ? "inbound" : "outbound";
}

std::optional<Direction> direction_by_name(std::string_view name) {
  if (name == "inbound") return Direction::inbound;
  if (name == "outbound") return Direction::outbound;
  return std::nullopt;
}

std::string_view sender_name(Sender s) { return s == Sender::client ? "client" : "server"; }

}  // namespace mailtls
