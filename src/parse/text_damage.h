// Recognises damage in the text of a log line the grammars did not recognise: binary
// bytes (NUL and control characters, as left by a disk error or a binary file mixed in)
// and invalid UTF-8. Ingest keeps such lines as they are (the store keeps bytes) and
// names the first one, so a user learns of the damage without losing anything.
//
// Only unparsed lines are inspected: recognised lines have passed a grammar, and the
// check then costs nothing on the hot path.
#pragma once

#include <string_view>

namespace mailtls {

enum class TextDamage { none, invalid_utf8, binary };

// The worst damage in `text`: binary (any byte below 0x20 but tab, CR and LF, or DEL)
// over invalid UTF-8 (a malformed, overlong or surrogate sequence) over none.
TextDamage inspect_text(std::string_view text);

}  // namespace mailtls
