// Tar bundles: the regular members of an already decompressed tar stream, one LogStream
// each, named "path:member", packaging "tar+<outer>" ("tar+plain" for an uncompressed tar).
//
// libarchive parses the tar format only; the bytes come from our own decoders, so a tar.gz
// of several members and damaged archives behave as for single logs. Headers are read on
// the calling thread, each member's data on its own producer thread; the threads never
// use the archive at the same time (each producer is joined before the next header).
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "base/diagnostics.h"
#include "read/reader.h"
#include "read/reader_decode.h"

namespace mailtls {

// True when `head` (the first 512 decompressed bytes) is a POSIX/GNU tar header block.
bool looks_like_tar(std::string_view head);

void visit_tar(ChunkSource& source, const std::string& path, std::string_view outer_packaging,
               const ReaderOptions& options, Diagnostics& diag,
               const std::function<void(LogStream&)>& visit);

}  // namespace mailtls
