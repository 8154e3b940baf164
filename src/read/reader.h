// Stage 1, the reader: turns command-line INPUTs into streams of decompressed bytes.
//
// Contract:
// - expand_inputs() accepts files, directories (recursive, entries sorted by path),
//   shell globs and "-" (stdin). A directory with no regular files, a glob that matches
//   nothing or a missing file is reported to Diagnostics (data_lost = true) and skipped.
// - read_input() detects the packaging from magic bytes, never from the name: plain,
//   gzip (several members in one file are one stream), bzip2, xz, zstd, and tar bundles
//   (plain or compressed by any of those), whose regular members are visited one by one.
//   Packagings it cannot read (zip, 7z, rar, lz4, ...; or such data inside a compressed
//   file) are reported as errors and not read at all.
// - Decompression runs on its own thread and hands over large chunks through a bounded
//   queue, so memory stays flat whatever the input size.
// - Damage (truncated stream, garbage after a member, corrupt data, unreadable file)
//   becomes one Diagnostic naming the file and the byte offset (in the compressed file
//   where known; the message also says how many decompressed bytes were good). The
//   stream then ends after its last good byte, and read_input() returns normally.
//   Checksums cover a whole gzip member, bzip2 or xz block or zstd frame, so bytes of the
//   damaged unit decoded before the damage shows may already have been handed out:
//   unverified_from() says from where.
// - A truncated stream hands out every byte its decoder can recover, as the standard
//   tools do (gzip -dc, bzip2 -dc, xz -dc, zstd -dc; tar for the members of a bundle).
//   A damaged tar header is reported and reading goes on at the next valid header.
//   Zero bytes after the last gzip member (padding) are only a warning, not data lost.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/diagnostics.h"

namespace mailtls {

struct InputItem {
  std::string path;   // "-" for stdin
  int64_t mtime = 0;  // seconds since the epoch; 0 when not known (stdin)
};

// `database` (the --db of the run, if any) and the files SQLite keeps beside it
// (-journal, -wal, -shm) are never inputs, whatever their names: skipped when a
// directory or glob holds them, reported when named on the command line.
std::vector<InputItem> expand_inputs(const std::vector<std::string>& args, Diagnostics& diag,
                                     const std::string& database = {});

// One logical log: a plain or compressed file, or one member of a tar bundle.
class LogStream {
 public:
  virtual ~LogStream() = default;
  // "path" for a file, "path:member" for a tar member, "-" for stdin.
  virtual const std::string& name() const = 0;
  // The next chunk of decompressed bytes; empty at the end (or after damage). The view
  // stays valid until the next call.
  virtual std::string_view read() = 0;
  // Decompressed bytes handed out so far.
  virtual uint64_t position() const = 0;
  // Bytes of the file on disk behind what read() has handed out (compressed bytes for a
  // compressed file, the archive's for a tar member); 0 when not known (a pipe).
  virtual uint64_t disk_position() const { return 0; }
  // "plain", "gzip", "bzip2", "xz", "zstd"; with "tar+" in front for tar members
  // ("tar+plain" for a member of an uncompressed tar).
  virtual std::string_view packaging() const = 0;
  // Modification time of the file or tar member (seconds), 0 when not known.
  virtual int64_t mtime() const = 0;
  // Once read() has returned empty: true when the stream stopped inside damaged or
  // missing data (a truncated file, corrupt bytes, a tar member cut short), so its last
  // bytes may be part of a line whose rest never came.
  virtual bool cut() const = 0;
  // Once read() has returned empty: when the stream stopped at damage inside a checked
  // unit (gzip member, bzip2 or xz block, zstd frame), the position of the first byte
  // handed out that was decoded from that unit. Those bytes may be wrong: the check that
  // would have told failed, or was never reached.
  virtual std::optional<uint64_t> unverified_from() const { return std::nullopt; }
};

struct ReaderOptions {
  size_t chunk_bytes = size_t{1} << 20;  // size of each chunk handed over
  size_t queue_chunks = 8;               // chunks buffered between the threads
  bool first_stream_only = false;        // a tar bundle: visit its first member only
};

// Calls `visit` once per logical log inside `input`, in order.
void read_input(const InputItem& input, const ReaderOptions& options, Diagnostics& diag,
                const std::function<void(LogStream&)>& visit);

}  // namespace mailtls
