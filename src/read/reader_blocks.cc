#include "read/reader_blocks.h"

#include <algorithm>
#include <array>

namespace mailtls {

namespace {

constexpr uint64_t kMagicMask = (uint64_t{1} << 48) - 1;
constexpr uint64_t kBlockMagic = 0x314159265359;
constexpr uint64_t kEndMagic = 0x177245385090;

// For the last 16 bits fed: bit k is set when a magic could end k bits before their end
// (its last 16 - k bits are there). Only those shifts get the full 48-bit comparison: the
// scan then keeps up with memory rather than costing a fifth of bzip2's own time.
constexpr std::array<uint8_t, 65536> make_candidates() {
  std::array<uint8_t, 65536> table{};
  for (const uint64_t magic : {kBlockMagic, kEndMagic}) {
    for (unsigned k = 0; k < 8; ++k) {
      const uint64_t tail = magic & ((uint64_t{1} << (16 - k)) - 1);
      for (uint64_t low = 0; low < (uint64_t{1} << k); ++low) table[(tail << k) | low] |= uint8_t(1u << k);
    }
  }
  return table;
}

constexpr std::array<uint8_t, 65536> kCandidates = make_candidates();

}  // namespace

void Bzip2BlockFinder::feed(std::string_view bytes) {
  for (const char ch : bytes) {
    window_ = (window_ << 8) | static_cast<unsigned char>(ch);
    bits_ += 8;
    const uint8_t shifts = kCandidates[window_ & 0xffff];
    if (shifts == 0) continue;
    // The 48 bits ending at each candidate bit position this byte added, earliest first.
    for (int k = 7; k >= 0; --k) {
      if (!(shifts & (1u << k)) || bits_ < 48 + static_cast<uint64_t>(k)) continue;
      const uint64_t v = (window_ >> k) & kMagicMask;
      if (v == kBlockMagic || v == kEndMagic) {
        unit_start_ = (bits_ - static_cast<uint64_t>(k) - 48) / 8;
        in_block_ = v == kBlockMagic;
      }
    }
  }
}

void XzWalker::feed(std::string_view bytes) {
  while (!bytes.empty() && state_ != State::lost) {
    switch (state_) {
      case State::block_header:
      case State::chunk_data:
      case State::block_padding:
      case State::check:
      case State::index_tail:
      case State::footer: {
        const uint64_t n = std::min<uint64_t>(left_, bytes.size());
        left_ -= n;
        offset_ += n;
        bytes.remove_prefix(static_cast<size_t>(n));
        if (left_ == 0) field_done();
        break;
      }
      case State::stream_header:
      case State::chunk_header: {
        const uint64_t i = offset_ - field_at_;
        if (i < sizeof field_) field_[i] = static_cast<unsigned char>(bytes[0]);
        ++offset_;
        bytes.remove_prefix(1);
        if (--left_ == 0) field_done();
        break;
      }
      default: {
        const auto c = static_cast<unsigned char>(bytes[0]);
        ++offset_;
        bytes.remove_prefix(1);
        on_byte(c, offset_ - 1);
        break;
      }
    }
  }
}

void XzWalker::start_field(State state, uint64_t bytes) {
  state_ = state;
  left_ = bytes;
  field_at_ = offset_;
  if (bytes == 0) field_done();
}

// A field of the current state is complete: what comes after it.
void XzWalker::field_done() {
  switch (state_) {
    case State::stream_header: {
      static constexpr unsigned char kMagic[] = {0xfd, '7', 'z', 'X', 'Z', 0x00, 0x00};
      if (!std::equal(kMagic, kMagic + 7, field_)) {
        state_ = State::lost;
        return;
      }
      const unsigned type = field_[7] & 0x0f;  // the check: none, CRC32, CRC64, SHA-256, ...
      check_bytes_ = type == 0 ? 0 : 4u << ((type - 1) / 3);
      state_ = State::block_or_index;
      return;
    }
    case State::block_header: return void(state_ = State::chunk_control);
    case State::chunk_header: {
      // LZMA2: an uncompressed chunk has 2 size bytes, an LZMA chunk 2 of decompressed and
      // 2 of compressed size (each stored minus one), and perhaps a properties byte.
      const uint64_t size = control_ < 0x80 ? (uint64_t{field_[0]} << 8 | field_[1]) + 1
                                            : (uint64_t{field_[2]} << 8 | field_[3]) + 1;
      chunk_end_ = offset_ + size;
      return start_field(State::chunk_data, size);
    }
    case State::chunk_data: return void(state_ = State::chunk_control);
    case State::block_padding: return start_field(State::check, check_bytes_);
    case State::check:
      after_check_ = true;
      return void(state_ = State::block_or_index);
    case State::index_tail:
      unit_start_ = offset_;
      return start_field(State::footer, 12);
    case State::footer: return void(state_ = State::stream_padding);
    default: return;
  }
}

void XzWalker::on_byte(unsigned char c, uint64_t at) {
  after_check_ = false;
  switch (state_) {
    case State::block_or_index:
      unit_start_ = at;
      if (c == 0) {  // the index
        count_read_ = false;
        value_ = 0;
        shift_ = 0;
        return void(state_ = State::index_varints);
      }
      return start_field(State::block_header, (uint64_t{c} + 1) * 4 - 1);
    case State::chunk_control:
      chunk_start_ = at;
      control_ = c;
      if (c == 0) return start_field(State::block_padding, (4 - (offset_ - stream_start_) % 4) % 4);
      if (c == 1 || c == 2) return start_field(State::chunk_header, 2);
      if (c >= 0x80) return start_field(State::chunk_header, (c & 0x60) >= 0x40 ? 5 : 4);
      return void(state_ = State::lost);
    case State::index_varints:
      if (shift_ > 63) return void(state_ = State::lost);
      value_ |= uint64_t{c & 0x7fu} << shift_;
      shift_ += 7;
      if (c & 0x80) return;
      if (!count_read_) {
        if (value_ > (uint64_t{1} << 40)) return void(state_ = State::lost);
        count_read_ = true;
        varints_left_ = 2 * value_;  // each record: unpadded and decompressed size
      } else {
        --varints_left_;
      }
      value_ = 0;
      shift_ = 0;
      if (varints_left_ == 0) start_field(State::index_tail, (4 - (offset_ - unit_start_) % 4) % 4 + 4);
      return;
    case State::stream_padding:
      if (c == 0) return;
      if (c != 0xfd) return void(state_ = State::lost);
      stream_start_ = unit_start_ = at;
      field_[0] = c;
      state_ = State::stream_header;
      field_at_ = at;
      left_ = 11;
      return;
    default: return;
  }
}

}  // namespace mailtls
