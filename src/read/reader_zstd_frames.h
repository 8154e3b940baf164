// Follows the frame and block structure of a zstd stream (RFC 8878) without decoding it.
//
// Boost 1.74's zstd_decompressor ends quietly when its input stops in the middle of a
// frame, so a truncated .zst would pass for a complete one. Walking the block headers of
// the bytes fed to the decompressor tells whether the input stopped between frames.
#pragma once

#include <cstdint>
#include <string_view>

namespace mailtls {

class ZstdFrameWalker {
 public:
  void feed(std::string_view bytes);
  // True when the bytes fed so far end exactly after a complete frame (or are empty).
  bool between_frames() const { return state_ == State::magic && have_ == 0 && skip_ == 0; }
  // Offset of the frame being walked (the last one when between frames).
  uint64_t frame_start() const { return frame_start_; }
  // The start of the block before the one being read (of the frame when there is none):
  // zstd's decoder holds at most one decoded block it has not handed out yet, so every
  // byte it has still to hand out comes from there or later.
  uint64_t previous_block_start() const { return previous_block_start_; }
  // Bytes that are no zstd frame: the decompressor reports those itself.
  bool lost() const { return state_ == State::lost; }

 private:
  enum class State { magic, descriptor, header, block_header, skippable_size, lost };

  void gather(std::string_view& bytes);
  void on_field();
  void on_magic();
  void on_descriptor();
  void on_block_header();
  void expect(State state, size_t bytes);

  State state_ = State::magic;
  State after_skip_ = State::magic;
  unsigned char field_[16] = {};
  size_t have_ = 0;
  size_t need_ = 4;
  uint64_t skip_ = 0;
  uint64_t offset_ = 0;
  uint64_t frame_start_ = 0;
  uint64_t block_start_ = 0, previous_block_start_ = 0;
  bool checksum_ = false;
};

}  // namespace mailtls
