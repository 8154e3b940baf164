// The extension of a Common Event Format record (the part after the seventh '|'):
// space-separated `key=value` pairs whose values may themselves hold spaces, as AsyncOS
// writes its Consolidated Event Logs ("ESAICID=17267358 ESATLSInConnStatus=Success
// msg=test url ..."). A key is a run of letters, digits and '_' that follows a space (or
// starts the text) and is followed by '='; a value runs to the next key. An '=' escaped
// by a backslash ("\=") never starts a key.
#pragma once

#include <string_view>

namespace mailtls {

// The value of `key` in `extension` (trailing blanks dropped); empty when absent. The
// first occurrence wins.
std::string_view cef_field(std::string_view extension, std::string_view key);

}  // namespace mailtls
