// Decoders: turn the bytes of a RawFile into decompressed bytes, one per packaging.
//
// Every decoder reports its own damage, once, to Diagnostics (file, byte offset in the
// compressed file, how many decompressed bytes were good) and then ends; it never throws.
// Gzip uses ISA-L's inflate directly, so several members read as one stream and offsets
// are exact; bzip2, xz and zstd use the Boost.Iostreams filters, with walkers that follow
// the units their checks cover (reader_blocks.h, reader_zstd_frames.h), so damage is
// named in the unit that holds it, from its start to where decoding stopped.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "base/diagnostics.h"
#include "read/reader_file.h"

namespace mailtls {

// A stream of bytes pulled by the producer thread.
class ChunkSource {
 public:
  virtual ~ChunkSource() = default;
  // Writes up to `cap` bytes to `out`; fewer only at the end of the stream (0 = ended).
  virtual size_t fill(char* out, size_t cap) = 0;
  // True once damage was reported: later errors (a tar archive cut short) are its echo.
  virtual bool damaged() const = 0;
  // True when the stream ended inside damaged or missing data (a cut, corrupt bytes), so
  // its last line may be cut in two; not for damage after the data (trailing garbage).
  virtual bool cut() const = 0;
  // Bytes of the file on disk read so far (compressed bytes for a compressed file), for
  // a progress measured in what the disk holds; 0 when not known. Called on the thread
  // that calls fill().
  virtual uint64_t disk_offset() const { return 0; }
  // Once damage was found inside a checked unit (a gzip member, bzip2 or xz block, zstd
  // frame): the first byte handed out that came from that unit. The bytes from there on
  // were decoded from data known to be damaged and may be wrong.
  virtual std::optional<uint64_t> unverified_from() const { return std::nullopt; }
  // The bytes of the file on disk that decompressed bytes [from, to) were decoded from, as
  // tight as can be proved; nullopt when not known (too far back).
  virtual std::optional<std::pair<uint64_t, uint64_t>> disk_range(uint64_t /*from*/, uint64_t /*to*/) const {
    return std::nullopt;
  }
};

// Decodes one RawFile; the base keeps the bookkeeping every packaging shares.
class Decoder : public ChunkSource {
 public:
  bool damaged() const override { return damaged_; }
  bool cut() const override { return cut_; }
  uint64_t disk_offset() const override { return raw_.offset(); }
  std::optional<uint64_t> unverified_from() const override { return unverified_from_; }
  std::optional<std::pair<uint64_t, uint64_t>> disk_range(uint64_t from, uint64_t to) const override;

 protected:
  Decoder(RawFile& raw, Diagnostics& diag, std::string name)
      : raw_(raw), diag_(diag), name_(std::move(name)) {}
  // Reports damage once; appends how many decompressed bytes were good. `inside` says
  // the damage is within the compressed data (the output stops in the middle of it).
  // `verified`: false when a checksum failed, so the bytes handed out are not all good.
  void damage(uint64_t offset, const std::string& what, bool data_lost = true, bool inside = true,
              bool verified = true);
  // Reports a read error if the file stopped on one; true if it did.
  bool read_failed();
  // After a call of the decompressor: how far it has read and handed out, and `lower`,
  // the first byte on disk any byte it has not handed out yet can come from.
  void checkpoint(uint64_t lower);

  RawFile& raw_;
  Diagnostics& diag_;
  std::string name_;
  uint64_t produced_ = 0;  // decompressed bytes delivered so far
  bool damaged_ = false;
  bool cut_ = false;
  bool done_ = false;
  std::optional<uint64_t> unverified_from_;

 private:
  struct Checkpoint {
    uint64_t produced, consumed, lower;
  };
  std::deque<Checkpoint> checkpoints_{{0, 0, 0}};  // the last few MiB of output
};

inline constexpr size_t kFilterBuffer = size_t{64} << 10;

// "gzip", "bzip2", "xz", "zstd" or "plain", from the first bytes of `head`; for the
// packagings mailtls cannot read (zip, 7z, rar, lz4, ...), their name with a leading '!'.
std::string_view sniff_packaging(std::string_view head);
inline bool readable_packaging(std::string_view packaging) { return packaging.substr(0, 1) != "!"; }

std::unique_ptr<Decoder> make_decoder(std::string_view packaging, RawFile& raw, Diagnostics& diag,
                                      const std::string& name);

// Replays bytes already taken from `inner` (to sniff for tar), then reads on from it.
class PrefixedSource : public ChunkSource {
 public:
  PrefixedSource(std::string head, ChunkSource& inner) : head_(std::move(head)), inner_(inner) {}
  size_t fill(char* out, size_t cap) override;
  bool damaged() const override { return inner_.damaged(); }
  bool cut() const override { return inner_.cut(); }
  uint64_t disk_offset() const override { return inner_.disk_offset(); }
  std::optional<uint64_t> unverified_from() const override { return inner_.unverified_from(); }
  std::optional<std::pair<uint64_t, uint64_t>> disk_range(uint64_t from, uint64_t to) const override {
    return inner_.disk_range(from, to);
  }

 private:
  std::string head_;
  size_t used_ = 0;
  ChunkSource& inner_;
};

}  // namespace mailtls
