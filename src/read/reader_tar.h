// Tar bundles: the regular members of an already decompressed tar stream, one LogStream
// each, named "path:member", packaging "tar+<outer>" ("tar+plain" for an uncompressed tar).
//
// The bytes come from our own decoders, so a tar.gz of several members and damaged
// archives behave as for single logs. The format (POSIX ustar, GNU long names, pax
// headers) is parsed here rather than by libarchive, which drops the last block of a
// member cut short and skips damaged headers silently:
// - a member cut short hands out every byte that is there, as tar extracts it;
// - a header whose checksum fails is reported (file, the member it follows, offset) and
//   reading goes on at the next valid header, so the members after it are still read.
// Headers are read on the calling thread, each member's data on its own producer thread;
// the threads never read the archive at the same time (each producer is joined before
// the next header).
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
