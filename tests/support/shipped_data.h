// The grammars and word tables shipped in the source tree, loaded once per test binary
// (several test files run hundreds of lines through them).
#pragma once

#include <catch2/catch.hpp>
#include <filesystem>
#include <memory>

#include "base/diagnostics.h"
#include "parse/grammar.h"
#include "parse/localizer.h"

namespace mailtls::testing {

inline const Grammar& shipped_grammar() {
  static const std::unique_ptr<Grammar> grammar = [] {
    Diagnostics diag;
    return Grammar::load(std::filesystem::path(MAILTLS_SOURCE_DATA_DIR) / "grammars", diag);
  }();
  REQUIRE(grammar);
  return *grammar;
}

inline const Localizer& shipped_localizer() {
  static const std::unique_ptr<Localizer> localizer = [] {
    Diagnostics diag;
    return Localizer::load(std::filesystem::path(MAILTLS_SOURCE_DATA_DIR) / "locales", diag);
  }();
  REQUIRE(localizer);
  return *localizer;
}

}  // namespace mailtls::testing
