#include <catch2/catch.hpp>

#include "model/events.h"

TEST_CASE("every event type has a name that maps back to it") {
  for (const auto& spec : mailtls::event_specs())
    CHECK(mailtls::event_type_by_name(spec.name) == spec.type);
}
