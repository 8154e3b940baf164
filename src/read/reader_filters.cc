// bzip2, xz and zstd decoders on top of the Boost.Iostreams filters.
#include <algorithm>
#include <boost/iostreams/categories.hpp>
#include <boost/iostreams/filter/bzip2.hpp>
#include <boost/iostreams/filter/lzma.hpp>
#include <boost/iostreams/filter/zstd.hpp>
#include <cstring>
#include <optional>

#include "read/reader_decode.h"
#include "read/reader_zstd_frames.h"

namespace mailtls {

namespace io = boost::iostreams;

namespace {

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

// Drives the filter's decompressor itself rather than through Boost's stream read(), so
// that damage loses no good output: read() discards everything one call had decoded when
// the decompressor throws, which could be up to a whole buffer of verified data of the
// streams before the damaged one. The bzip2 and xz decompressors report their progress
// before they throw, so their good output is kept to the byte. zstd's does not: it gets
// at most kZstdSlice compressed bytes per call, after a call with none that hands out
// what it holds from earlier input, so damage loses only what that slice decoded.
template <typename Filter, typename Error>
class FilterDecoder : public Decoder {
 public:
  FilterDecoder(RawFile& raw, Diagnostics& diag, std::string name, std::string packaging,
                bool walk_frames)
      : Decoder(raw, diag, std::move(name)),
        packaging_(std::move(packaging)),
        filter_(make_filter()),
        slice_(walk_frames ? kZstdSlice : kFilterBuffer) {
    if (walk_frames) walker_.emplace();
  }

  size_t fill(char* out, size_t cap) override {
    size_t got = 0;
    while (got < cap && !done_) got += step(out + got, cap - got);
    return got;
  }

 private:
  static constexpr size_t kZstdSlice = 1024;
  // Calls at the end of the input that gave nothing: liblzma reports a truncated stream
  // only on its second call without progress.
  static constexpr int kIdleCallsAtEnd = 3;

  static Filter make_filter() {
    if constexpr (std::is_same_v<Filter, io::bzip2_decompressor>) {
      return Filter(io::bzip2::default_small, kFilterBuffer);
    } else {
      return Filter(kFilterBuffer);
    }
  }

  size_t step(char* out, size_t cap) {
    const bool at_end = !raw_.fill();
    if (walker_ && !at_end) {
      if (const size_t held = decode({}, out, cap, false); held > 0 || done_) return held;
    }
    return decode(raw_.data().substr(0, slice_), out, cap, at_end);
  }

  // One call of the decompressor on `in`; consumes what it used and reports damage.
  size_t decode(std::string_view in, char* out, size_t cap, bool at_end) {
    static constexpr char kNoInput = 0;
    if (in.data() == nullptr) in = std::string_view(&kNoInput, 0);
    const char* next = in.data();
    char* dest = out;
    bool more = true;
    std::string error;
    try {
      // flush = no more input: the decompressor must finish its stream or say why not.
      more = filter_.filter().filter(next, in.data() + in.size(), dest, out + cap, at_end);
    } catch (const Error& e) {
      error = describe(e);
    } catch (const std::exception& e) {
      error = packaging_ + " decoder failed: " + failure_text(e);
    }
    const size_t used = static_cast<size_t>(next - in.data());
    if (walker_) walker_->feed(in.substr(0, used));
    raw_.consume(used);
    const size_t n = static_cast<size_t>(dest - out);
    produced_ += n;
    if (!error.empty() && walker_ && error.find("checksum") != std::string::npos) {
      // A zstd frame's checksum covers the whole frame and is checked at its end: the
      // damage is somewhere in the frame, so the message points at the frame.
      damage(walker_->frame_start(), error + " (frame at byte " + std::to_string(walker_->frame_start()) +
                                         " to byte " + std::to_string(raw_.offset()) +
                                         ": the damage is somewhere in it, and its decompressed bytes may be wrong)",
             true, true, false);
    } else if (!error.empty()) {
      damage(raw_.offset(), error);  // the offset: how far the decompressor had read
    } else if (!more || (at_end && n == 0 && ++idle_at_end_ >= kIdleCallsAtEnd)) {
      finish();
    }
    return n;
  }

  void finish() {
    done_ = true;
    if (read_failed()) return;
    if (walker_ && !walker_->between_frames() && !walker_->lost()) {
      damage(raw_.offset(), "zstd frame at byte " + std::to_string(walker_->frame_start()) +
                                " is truncated (unexpected end of file)");
    } else if (!raw_.at_end()) {
      damage(raw_.offset(), "bytes after the end of the " + packaging_ + " stream (ignored)", true, false);
    }
  }

  std::string packaging_;
  std::optional<ZstdFrameWalker> walker_;
  Filter filter_;
  size_t slice_;
  int idle_at_end_ = 0;
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
