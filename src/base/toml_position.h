// Where a TOML node (or a parse error) begins in its file: toml++ keeps each node's
// source region, and Diagnostics::problem() quotes that line with a caret.
#pragma once

#include <toml++/toml.h>

#include "base/diagnostics.h"

namespace mailtls {

inline TextPosition position_of(const toml::source_region& r) {
  return TextPosition{static_cast<int>(r.begin.line), static_cast<int>(r.begin.column)};
}
inline TextPosition position_of(const toml::node* node) { return node ? position_of(node->source()) : TextPosition{}; }

}  // namespace mailtls
