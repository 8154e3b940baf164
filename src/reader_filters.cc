// bzip2, xz and zstd decoders on top of the Boost.Iostreams filters.
#include <algorithm>
#include <boost/iostreams/categories.hpp>
#include <boost/iostreams/filter/bzip2.hpp>
#include <boost/iostreams/filter/lzma.hpp>
#include <boost/iostreams/filter/zstd.hpp>
#include <cstring>
#include <optional>

#include "reader_decode.h"
#include "reader_zstd_frames.h"

namespace mailtls {

namespace io = boost::iostreams;

namespace {

// The Boost Source the filters pull compressed bytes from. It shows those bytes to the
// zstd frame walker too, when there is one.
class RawDevice {
 public:
  using char_type = char;
  using category = io::source_tag;

  RawDevice(RawFile& raw, ZstdFrameWalker* walker) : raw_(&raw), walker_(walker) {}

  std::streamsize read(char* s, std::streamsize n) {
    if (!raw_->fill()) return -1;
    std::string_view d = raw_->data().substr(0, static_cast<size_t>(n));
    std::memcpy(s, d.data(), d.size());
    if (walker_) walker_->feed(d);
    raw_->consume(d.size());
    return static_cast<std::streamsize>(d.size());
  }

 private:
  RawFile* raw_;
  ZstdFrameWalker* walker_;
};

// Ios failures end in ": iostream error", which says nothing here.
std::string failure_text(const std::exception& e) {
  std::string text = e.what();
  auto cut = text.find(": iostream error");
  return cut == std::string::npos ? text : text.substr(0, cut);
}

std::string describe(const io::bzip2_error& e) {
  if (e.error() == io::bzip2::unexpected_eof)
    return "truncated bzip2 stream (unexpected end of file)";
  if (e.error() == io::bzip2::data_error_magic) return "bytes that are no bzip2 stream (bad magic)";
  if (e.error() == io::bzip2::data_error) return "corrupt bzip2 data";
  return "bzip2 error " + std::to_string(e.error());
}

std::string describe(const io::lzma_error& e) {
  // liblzma says "no progress possible" (buf_error) when the input ends mid-stream.
  if (e.error() == io::lzma::buf_error) return "truncated xz stream (unexpected end of file)";
  if (e.error() == io::lzma::data_error) return "corrupt xz data";
  return "xz error " + std::to_string(e.error()) + " (bad or unsupported xz data)";
}

std::string describe(const io::zstd_error& e) {
  return "corrupt zstd data: " + failure_text(e);
}

template <typename Filter, typename Error>
class FilterDecoder : public Decoder {
 public:
  FilterDecoder(RawFile& raw, Diagnostics& diag, std::string name, std::string packaging,
                bool walk_frames)
      : Decoder(raw, diag, std::move(name)),
        packaging_(std::move(packaging)),
        filter_(make_filter()),
        device_(raw, walk_frames ? &walker_.emplace() : nullptr) {}

  size_t fill(char* out, size_t cap) override {
    size_t got = 0;
    while (got < cap && !done_) got += step(out + got, cap - got);
    return got;
  }

 private:
  static Filter make_filter() {
    if constexpr (std::is_same_v<Filter, io::bzip2_decompressor>) {
      return Filter(io::bzip2::default_small, kFilterBuffer);
    } else {
      return Filter(kFilterBuffer);
    }
  }

  // Small reads: an exception discards what its read() call had decoded.
  size_t step(char* out, size_t cap) {
    std::streamsize n = -1;
    try {
      n = filter_.read(device_, out, static_cast<std::streamsize>(std::min(cap, kFilterBuffer)));
    } catch (const Error& e) {
      damage(raw_.offset(), describe(e));  // the offset: how far the filter had read
    } catch (const std::exception& e) {
      damage(raw_.offset(), packaging_ + " decoder failed: " + failure_text(e));
    }
    if (n > 0) {
      produced_ += static_cast<uint64_t>(n);
      return static_cast<size_t>(n);
    }
    if (!done_) finish();
    return 0;
  }

  void finish() {
    done_ = true;
    if (read_failed()) return;
    if (walker_ && !walker_->between_frames() && !walker_->lost()) {
      damage(raw_.offset(), "zstd frame at byte " + std::to_string(walker_->frame_start()) +
                                " is truncated (unexpected end of file)");
    } else if (!raw_.at_end()) {
      damage(raw_.offset(), "bytes after the end of the " + packaging_ + " stream (ignored)");
    }
  }

  std::string packaging_;
  std::optional<ZstdFrameWalker> walker_;
  Filter filter_;
  RawDevice device_;
};

}  // namespace

std::unique_ptr<Decoder> make_filter_decoder(std::string_view packaging, RawFile& raw,
                                             Diagnostics& diag, const std::string& name) {
  std::string p(packaging);
  if (p == "bzip2") {
    return std::make_unique<FilterDecoder<io::bzip2_decompressor, io::bzip2_error>>(raw, diag, name,
                                                                                    p, false);
  }
  if (p == "xz") {
    return std::make_unique<FilterDecoder<io::lzma_decompressor, io::lzma_error>>(raw, diag, name,
                                                                                  p, false);
  }
  return std::make_unique<FilterDecoder<io::zstd_decompressor, io::zstd_error>>(raw, diag, name, p,
                                                                                true);
}

}  // namespace mailtls
