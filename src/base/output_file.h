// Writing an output file (a report, a TLSRPT file) so that no reader ever sees it half
// written and a full disk never leaves a truncated file: the bytes go to a temporary
// file in the same directory, are synced, and the temporary file is renamed over the
// name. On any failure the temporary file is removed, whatever was at the name before
// is left as it was, and *error says why.
#pragma once

#include <string>
#include <string_view>

namespace mailtls {

bool write_output_file(const std::string& path, std::string_view bytes, std::string* error);

}  // namespace mailtls
