#include "reader_decode.h"

#include <zlib.h>

#include <algorithm>
#include <climits>
#include <cstring>

namespace mailtls {

std::unique_ptr<Decoder> make_filter_decoder(std::string_view packaging, RawFile& raw,
                                             Diagnostics& diag, const std::string& name);

void Decoder::damage(uint64_t offset, const std::string& what, bool data_lost) {
  done_ = true;
  if (damaged_) return;
  damaged_ = true;
  std::string message = what + "; " + std::to_string(produced_) + " decompressed bytes were good";
  if (data_lost) {
    diag_.error(name_, static_cast<int64_t>(offset), std::move(message));
  } else {
    diag_.warning(name_, static_cast<int64_t>(offset), std::move(message));
  }
}

bool Decoder::read_failed() {
  if (raw_.error().empty()) return false;
  damage(raw_.offset(), raw_.error());
  return true;
}

std::string_view sniff_packaging(std::string_view head) {
  auto starts = [&](std::string_view magic) { return head.substr(0, magic.size()) == magic; };
  if (starts("\x1f\x8b")) return "gzip";
  if (starts("BZh")) return "bzip2";
  if (starts(std::string_view("\xfd"
                              "7zXZ\0",
                              6)))
    return "xz";
  if (starts("\x28\xb5\x2f\xfd")) return "zstd";
  return "plain";
}

size_t PrefixedSource::fill(char* out, size_t cap) {
  size_t got = std::min(cap, head_.size() - used_);
  std::memcpy(out, head_.data() + used_, got);
  used_ += got;
  if (got < cap) got += inner_.fill(out + got, cap - got);
  return got;
}

namespace {

// Uncompressed data: read(2) straight into the consumer's chunk.
class PlainDecoder : public Decoder {
 public:
  PlainDecoder(RawFile& raw, Diagnostics& diag, std::string name)
      : Decoder(raw, diag, std::move(name)) {}

  size_t fill(char* out, size_t cap) override {
    if (done_) return 0;
    size_t got = raw_.read_direct(out, cap);
    produced_ += got;
    if (got < cap && !read_failed()) done_ = true;
    return got;
  }
};

// Gzip through zlib: inflateReset() after each member reads concatenated members
// as one stream, which Boost's gzip_decompressor does not.
class GzipDecoder : public Decoder {
 public:
  GzipDecoder(RawFile& raw, Diagnostics& diag, std::string name)
      : Decoder(raw, diag, std::move(name)) {
    std::memset(&zs_, 0, sizeof zs_);
    ok_ = inflateInit2(&zs_, 16 + MAX_WBITS) == Z_OK;  // 16: gzip wrapper only
  }
  ~GzipDecoder() override {
    if (ok_) inflateEnd(&zs_);
  }

  size_t fill(char* out, size_t cap) override {
    if (!ok_) damage(0, "zlib could not be initialised");
    zs_.next_out = reinterpret_cast<Bytef*>(out);
    zs_.avail_out = static_cast<uInt>(std::min<size_t>(cap, UINT_MAX));
    while (zs_.avail_out > 0 && !done_) step();
    return cap - zs_.avail_out;
  }

 private:
  void step() {
    if (!in_member_ && !start_member()) return;
    if (raw_.data().empty() && !raw_.fill()) return truncated();
    std::string_view in = raw_.data();
    zs_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs_.avail_in = static_cast<uInt>(std::min<size_t>(in.size(), UINT_MAX));
    uInt room = zs_.avail_out;
    uInt offered = zs_.avail_in;
    int r = inflate(&zs_, Z_NO_FLUSH);
    produced_ += room - zs_.avail_out;
    raw_.consume(offered - zs_.avail_in);
    if (r == Z_STREAM_END) in_member_ = false;
    if (r != Z_OK && r != Z_STREAM_END) corrupt();
  }

  // At a member boundary: another member, the clean end, or trailing garbage.
  bool start_member() {
    if (!raw_.fill(2)) {
      if (!read_failed()) done_ = true;
      return false;
    }
    std::string_view d = raw_.data();
    if (d.size() < 2 || d[0] != '\x1f' || d[1] != '\x8b') {
      trailing_garbage();
      return false;
    }
    inflateReset(&zs_);
    member_start_ = raw_.offset();
    in_member_ = true;
    return true;
  }

  // Zero padding (tape blocks, preallocated files) is ignored like gzip -dc does; any
  // other byte after a member may be a log that did not get decoded, so it is data lost.
  void trailing_garbage() {
    uint64_t start = raw_.offset();
    bool zeros = true;
    do {
      std::string_view d = raw_.data();
      zeros = zeros && std::all_of(d.begin(), d.end(), [](char c) { return c == 0; });
      raw_.consume(d.size());
    } while (raw_.fill());
    if (read_failed()) return;
    uint64_t n = raw_.offset() - start;
    std::string what = std::to_string(n) +
                       (zeros ? " zero bytes of padding" : " bytes of trailing garbage") +
                       " after gzip member at byte " + std::to_string(member_start_) + " (ignored)";
    damage(start, what, !zeros);
  }

  void truncated() {
    if (read_failed()) return;
    damage(raw_.offset(), "gzip member at byte " + std::to_string(member_start_) +
                              " is truncated (unexpected end of file)");
  }

  void corrupt() {
    std::string why = zs_.msg ? zs_.msg : "inflate error";
    damage(raw_.offset(),
           "corrupt gzip member at byte " + std::to_string(member_start_) + ": " + why);
  }

  z_stream zs_;
  bool ok_ = false;
  bool in_member_ = false;
  uint64_t member_start_ = 0;
};

}  // namespace

std::unique_ptr<Decoder> make_decoder(std::string_view packaging, RawFile& raw, Diagnostics& diag,
                                      const std::string& name) {
  if (packaging == "plain") return std::make_unique<PlainDecoder>(raw, diag, name);
  if (packaging == "gzip") return std::make_unique<GzipDecoder>(raw, diag, name);
  return make_filter_decoder(packaging, raw, diag, name);
}

}  // namespace mailtls
