// bzip2, xz and zstd decoders on top of the Boost.Iostreams filters.
#include <algorithm>
#include <boost/iostreams/categories.hpp>
#include <boost/iostreams/filter/bzip2.hpp>
#include <boost/iostreams/filter/lzma.hpp>
#include <boost/iostreams/filter/zstd.hpp>
#include <cstring>
#include <optional>

#include "read/reader_blocks.h"
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

// Damage inside the compressed data, rather than a cut or bytes that are no stream.
bool corrupt(const io::bzip2_error& e) { return e.error() == io::bzip2::data_error; }
bool corrupt(const io::lzma_error& e) { return e.error() == io::lzma::data_error; }
bool corrupt(const io::zstd_error&) { return true; }

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
    if (packaging_ == "bzip2") bzip2_.emplace();
    if (packaging_ == "xz") xz_.emplace();
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
    return decode(up_to_next_unit(raw_.data().substr(0, slice_)), out, cap, at_end);
  }

  // `in`, or its start up to the byte that begins the next checked unit (that completes
  // its magic), so that the call that reads it decodes none of that unit's data, and the
  // bytes handed out by then are all of the units before it.
  std::string_view up_to_next_unit(std::string_view in) const {
    if (walker_) return up_to_next_unit(*walker_, in, [](const ZstdFrameWalker& w) { return w.frame_start(); });
    if (bzip2_) return up_to_next_unit(*bzip2_, in, [](const Bzip2BlockFinder& w) { return w.unit_start(); });
    return up_to_next_unit(*xz_, in, [](const XzWalker& w) { return w.unit_start(); });
  }

  template <typename Walker, typename Unit>
  static std::string_view up_to_next_unit(const Walker& walker, std::string_view in, Unit unit) {
    Walker ahead = walker;
    ahead.feed(in);
    if (unit(ahead) == unit(walker)) return in;
    ahead = walker;
    for (size_t i = 0; i < in.size(); ++i) {
      ahead.feed(in.substr(i, 1));
      if (unit(ahead) != unit(walker)) return in.substr(0, i + 1);
    }
    return in;
  }

  // One call of the decompressor on `in`; consumes what it used and reports damage.
  size_t decode(std::string_view in, char* out, size_t cap, bool at_end) {
    static constexpr char kNoInput = 0;
    if (in.data() == nullptr) in = std::string_view(&kNoInput, 0);
    const char* next = in.data();
    char* dest = out;
    bool more = true;
    bool inside = false;  // damage inside the compressed data
    std::string error;
    try {
      // flush = no more input: the decompressor must finish its stream or say why not.
      more = filter_.filter().filter(next, in.data() + in.size(), dest, out + cap, at_end);
    } catch (const Error& e) {
      error = describe(e);
      inside = corrupt(e);
    } catch (const std::exception& e) {
      error = packaging_ + " decoder failed: " + failure_text(e);
    }
    const size_t used = static_cast<size_t>(next - in.data());
    const uint64_t unit_before = unit_start();
    if (walker_) walker_->feed(in.substr(0, used));
    if (bzip2_) bzip2_->feed(in.substr(0, used));
    if (xz_) xz_->feed(in.substr(0, used));
    raw_.consume(used);
    const size_t n = static_cast<size_t>(dest - out);
    produced_ += n;
    // The call that met a new unit stopped at its start (up_to_next_unit): every byte
    // handed out so far came from the units before it.
    if (unit_start() != unit_before) unit_output_ = produced_;
    checkpoint(lag_start());
    if (!error.empty() && inside) {
      corrupt_data(error);
    } else if (!error.empty()) {
      damage(raw_.offset(), error);  // the offset: how far the decompressor had read
    } else if (!more || (at_end && n == 0 && ++idle_at_end_ >= kIdleCallsAtEnd)) {
      finish();
    }
    return n;
  }

  // The start of the unit a checksum covers (zstd frame, bzip2 block, xz block): damage
  // found now lies between it and where the decoder stopped.
  uint64_t unit_start() const {
    if (walker_) return walker_->frame_start();
    if (bzip2_) return bzip2_->unit_start();
    return xz_->unit_start();
  }

  // The first byte on disk that any decompressed byte not handed out yet can come from:
  // zstd holds at most one decoded block back, bzip2 hands a block out only once it has
  // read all of it, and liblzma decodes no further than the room it has for output.
  uint64_t lag_start() const {
    if (walker_) return walker_->previous_block_start();
    if (bzip2_) return bzip2_->unit_start();
    if (xz_->lost()) return 0;
    return xz_->in_chunk() ? xz_->chunk_start() : xz_->unit_start();
  }

  // Damage met inside the compressed data: reported at the start of the unit it lies in,
  // with where decoding stopped, and the unit's bytes already handed out marked.
  void corrupt_data(const std::string& error) {
    const uint64_t stop = raw_.offset();
    const uint64_t unit = unit_start();
    if (produced_ > unit_output_) unverified_from_ = unit_output_;
    const std::string suspect =
        unverified_from_ ? "; its decompressed bytes from " + std::to_string(*unverified_from_) + " on may be wrong"
                         : std::string();
    const std::string range = "byte " + std::to_string(unit) + " to byte " + std::to_string(stop);
    if (walker_ && error.find("checksum") != std::string::npos) {
      // A zstd frame's checksum covers the whole frame and is checked at its end.
      return damage(unit, error + " (frame at " + range + ": the damage is somewhere in it" + suspect + ")", true,
                    true, !unverified_from_);
    }
    if (walker_) return damage(stop, error + " (in the frame at byte " + std::to_string(unit) + suspect + ")", true,
                               true, !unverified_from_);
    if (bzip2_) {
      return damage(unit, error + " in the bzip2 block at byte " + std::to_string(unit) +
                              ": the damage lies between that byte and byte " + std::to_string(stop) +
                              ", where decoding stopped (a block is checked whole, by its CRC)" + suspect,
                    true, true, !unverified_from_);
    }
    if (xz_->in_check()) {
      return damage(unit, error + ": the check of the xz block at " + range +
                              " failed, so the damage is somewhere in that block" + suspect,
                    true, true, !unverified_from_);
    }
    if (xz_->in_chunk()) {
      // LZMA2 ends each chunk with its sizes and range coder checked, so damage shows in the
      // chunk that holds it, unless an earlier chunk of the block decoded wrong unnoticed.
      return damage(xz_->chunk_start(),
                    error + " in the LZMA2 chunk at byte " + std::to_string(xz_->chunk_start()) + " to byte " +
                        std::to_string(xz_->chunk_end()) + ", where decoding stopped at byte " + std::to_string(stop) +
                        " (the damage lies between the start of its xz block, byte " + std::to_string(unit) +
                        ", and byte " + std::to_string(stop) + ")" + suspect,
                    true, true, !unverified_from_);
    }
    damage(unit, error + " between byte " + std::to_string(unit) + " and byte " + std::to_string(stop) +
                     ", where decoding stopped" + suspect,
           true, true, !unverified_from_);
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
  std::optional<Bzip2BlockFinder> bzip2_;
  std::optional<XzWalker> xz_;
  uint64_t unit_output_ = 0;  // decompressed bytes handed out before the current unit
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
