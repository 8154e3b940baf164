#include "read/reader_zstd_frames.h"

#include <algorithm>
#include <cstring>

namespace mailtls {

namespace {

uint64_t little_endian(const unsigned char* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = n; i-- > 0;) v = (v << 8) | p[i];
  return v;
}

constexpr uint32_t kFrameMagic = 0xFD2FB528;
constexpr uint32_t kSkippableMagic = 0x184D2A50;  // low 4 bits are free
constexpr uint32_t kSkippableMask = 0xFFFFFFF0;

}  // namespace

void ZstdFrameWalker::feed(std::string_view bytes) {
  while (!bytes.empty() && state_ != State::lost) {
    if (skip_ > 0) {
      uint64_t n = std::min<uint64_t>(skip_, bytes.size());
      skip_ -= n;
      offset_ += n;
      bytes.remove_prefix(n);
      if (skip_ == 0) expect(after_skip_, after_skip_ == State::magic ? 4 : 3);
      continue;
    }
    gather(bytes);
  }
}

void ZstdFrameWalker::gather(std::string_view& bytes) {
  size_t n = std::min(need_ - have_, bytes.size());
  std::memcpy(field_ + have_, bytes.data(), n);
  have_ += n;
  offset_ += n;
  bytes.remove_prefix(n);
  if (have_ == need_) on_field();
}

void ZstdFrameWalker::expect(State state, size_t bytes) {
  state_ = state;
  need_ = bytes;
  have_ = 0;
}

void ZstdFrameWalker::on_field() {
  switch (state_) {
    case State::magic:
      return on_magic();
    case State::descriptor:
      return on_descriptor();
    case State::header:
      return expect(State::block_header, 3);
    case State::block_header:
      return on_block_header();
    case State::skippable_size:
      skip_ = little_endian(field_, 4);
      after_skip_ = State::magic;
      if (skip_ == 0)
        expect(State::magic, 4);
      else
        have_ = 0;
      return;
    case State::lost:
      return;
  }
}

void ZstdFrameWalker::on_magic() {
  uint32_t magic = static_cast<uint32_t>(little_endian(field_, 4));
  frame_start_ = offset_ - 4;
  if (magic == kFrameMagic) return expect(State::descriptor, 1);
  if ((magic & kSkippableMask) == kSkippableMagic) return expect(State::skippable_size, 4);
  state_ = State::lost;
}

// Frame_Header_Descriptor: the sizes of the optional header fields that follow it.
void ZstdFrameWalker::on_descriptor() {
  unsigned d = field_[0];
  unsigned fcs_flag = d >> 6;
  bool single_segment = (d >> 5) & 1;
  checksum_ = (d >> 2) & 1;
  static constexpr size_t kDictIdBytes[] = {0, 1, 2, 4};
  size_t rest = (single_segment ? 0 : 1) + kDictIdBytes[d & 3];
  rest += fcs_flag == 0 ? (single_segment ? 1 : 0) : size_t{1} << fcs_flag;
  if (rest == 0) return expect(State::block_header, 3);
  expect(State::header, rest);
}

// Block_Header: 1 bit last-block, 2 bits type, 21 bits size (RLE blocks hold one byte).
void ZstdFrameWalker::on_block_header() {
  uint32_t h = static_cast<uint32_t>(little_endian(field_, 3));
  previous_block_start_ = block_start_;
  block_start_ = offset_ - 3;
  bool last = h & 1;
  unsigned type = (h >> 1) & 3;
  uint64_t body = type == 1 ? 1 : (h >> 3);
  skip_ = body + (last && checksum_ ? 4 : 0);
  after_skip_ = last ? State::magic : State::block_header;
  have_ = 0;
  if (skip_ == 0) expect(after_skip_, after_skip_ == State::magic ? 4 : 3);
}

}  // namespace mailtls
