// Where the checked units of a bzip2 or xz stream lie on disk, found by following the
// bytes fed to the decompressor without decoding them (as zstd's ZstdFrameWalker does).
//
// A checksum covers a whole bzip2 block or xz block and is checked at its end, and a
// decoder can only meet damage in bytes it has read: damage met at byte S therefore lies
// between the start of the unit being read and S. These walkers give that start.
#pragma once

#include <cstdint>
#include <string_view>

namespace mailtls {

// bzip2 blocks are bit-aligned: each starts with the 48-bit magic 0x314159265359 and the
// stream ends with 0x177245385090, at any bit position (bzip2recover finds blocks the
// same way). The chance that compressed data holds a magic by accident is 2^-48 a bit.
class Bzip2BlockFinder {
 public:
  void feed(std::string_view bytes);
  // The byte that holds the first bit of the last magic fed (a block's or the stream
  // end's); 0 before any.
  uint64_t unit_start() const { return unit_start_; }
  // True when that magic starts a block (false: the end of a stream, or none yet).
  bool in_block() const { return in_block_; }

 private:
  uint64_t window_ = 0;  // the last 64 bits fed
  uint64_t bits_ = 0;    // bits fed so far
  uint64_t unit_start_ = 0;
  bool in_block_ = false;
};

// An xz file: streams (header, blocks, index, footer, zero padding), each block a header,
// LZMA2 data, padding and its check. LZMA2 data is a chain of chunks whose headers give
// their compressed size (at most 64 KiB) and decompressed size, so the walker also knows
// the chunk being read and how many decompressed bytes came before it.
class XzWalker {
 public:
  void feed(std::string_view bytes);
  // Start of the block being read (or of the stream header, index or footer).
  uint64_t unit_start() const { return unit_start_; }
  // The LZMA2 chunk being read: its first byte and the byte after it (both 0 when the
  // walker is not inside one).
  uint64_t chunk_start() const { return in_chunk() ? chunk_start_ : 0; }
  uint64_t chunk_end() const { return in_chunk() ? chunk_end_ : 0; }
  bool in_chunk() const { return state_ == State::chunk_header || state_ == State::chunk_data; }
  // True while the walker is in a block's check (the damage was found by the check).
  bool in_check() const { return state_ == State::check || (state_ == State::block_or_index && after_check_); }
  bool lost() const { return state_ == State::lost; }

 private:
  enum class State {
    stream_header, block_or_index, block_header, chunk_control, chunk_header, chunk_data,
    block_padding, check, index_varints, index_tail, footer, stream_padding, lost
  };

  void on_byte(unsigned char c, uint64_t at);
  void start_field(State state, uint64_t bytes);
  void field_done();

  State state_ = State::stream_header;
  uint64_t offset_ = 0;        // bytes fed so far
  uint64_t left_ = 12;         // bytes left in the current field
  unsigned char field_[8] = {};  // the first bytes of the current field
  uint64_t field_at_ = 0;      // where the current field started
  uint64_t stream_start_ = 0;
  uint64_t unit_start_ = 0;
  uint64_t chunk_start_ = 0, chunk_end_ = 0;
  unsigned check_bytes_ = 0;
  bool after_check_ = false;   // the last field read was a block's check
  unsigned control_ = 0;       // the LZMA2 control byte of the chunk being read
  uint64_t varints_left_ = 0;  // index: varints still to read once the count is read
  bool count_read_ = false;
  uint64_t value_ = 0;         // the index varint being read
  unsigned shift_ = 0;
};

}  // namespace mailtls
