// Tar bundles, read with a parser of our own rather than libarchive: a member cut short
// must hand out every byte that is there (libarchive drops the last block it could not
// fill), and a damaged header must be named and stepped over to the next member.
#include "read/reader_tar.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <vector>

#include "read/reader_pipe.h"

namespace mailtls {

namespace {

constexpr size_t kBlock = 512;
constexpr size_t kTarBuffer = size_t{1} << 20;
// A GNU long name or a pax header larger than this is no name a log would have.
constexpr uint64_t kMaxMetaBytes = uint64_t{1} << 20;

// The decompressed tar bytes, buffered, with the offset of the next byte.
class TarBytes {
 public:
  explicit TarBytes(ChunkSource& source) : source_(source), buf_(new char[kTarBuffer]) {}

  // Copies up to `n` bytes; fewer only at the end of the stream.
  size_t read(char* out, size_t n) {
    size_t got = 0;
    while (got < n && available()) {
      const size_t k = std::min(n - got, end_ - begin_);
      std::memcpy(out + got, buf_.get() + begin_, k);
      begin_ += k, got += k, offset_ += k;
    }
    return got;
  }

  uint64_t skip(uint64_t n) {
    uint64_t done = 0;
    while (done < n && available()) {
      const size_t k = static_cast<size_t>(std::min<uint64_t>(n - done, end_ - begin_));
      begin_ += k, done += k, offset_ += k;
    }
    return done;
  }

  uint64_t offset() const { return offset_; }

 private:
  bool available() {
    if (begin_ < end_) return true;
    if (ended_) return false;
    begin_ = 0;
    end_ = source_.fill(buf_.get(), kTarBuffer);
    if (end_ < kTarBuffer) ended_ = true;
    return end_ > 0;
  }

  ChunkSource& source_;
  std::unique_ptr<char[]> buf_;
  size_t begin_ = 0, end_ = 0;
  uint64_t offset_ = 0;
  bool ended_ = false;
};

bool all_zero(const unsigned char* block) {
  return std::all_of(block, block + kBlock, [](unsigned char c) { return c == 0; });
}

// An octal field (digits, then NUL or space), or GNU's base-256 form for large values.
std::optional<uint64_t> number(const unsigned char* field, size_t len) {
  if (field[0] & 0x80) {
    if (field[0] != 0x80) return std::nullopt;  // negative or too wide for a size/time here
    uint64_t v = 0;
    for (size_t i = 1; i < len; ++i) {
      if (v >> 56) return std::nullopt;
      v = (v << 8) | field[i];
    }
    return v;
  }
  size_t i = 0;
  while (i < len && field[i] == ' ') ++i;
  uint64_t v = 0;
  bool digits = false;
  for (; i < len && field[i] >= '0' && field[i] <= '7'; ++i) {
    if (v >> 60) return std::nullopt;
    v = v * 8 + static_cast<uint64_t>(field[i] - '0');
    digits = true;
  }
  if (i < len && field[i] != ' ' && field[i] != '\0') return std::nullopt;
  if (!digits) return i == len || field[i] == '\0' ? std::optional<uint64_t>(0) : std::nullopt;
  return v;
}

// The header's checksum: the sum of its bytes with the checksum field read as spaces.
// Some old tars summed signed chars; either sum is accepted, as GNU tar does.
bool checksum_ok(const unsigned char* block) {
  const auto stored = number(block + 148, 8);
  if (!stored) return false;
  uint64_t unsigned_sum = 0;
  int64_t signed_sum = 0;
  for (size_t i = 0; i < kBlock; ++i) {
    const bool in_field = i >= 148 && i < 156;
    unsigned_sum += in_field ? ' ' : block[i];
    signed_sum += in_field ? ' ' : static_cast<signed char>(block[i]);
  }
  return *stored == unsigned_sum || static_cast<int64_t>(*stored) == signed_sum;
}

std::string field_text(const unsigned char* field, size_t len) {
  const auto* end = static_cast<const unsigned char*>(std::memchr(field, 0, len));
  return std::string(reinterpret_cast<const char*>(field), end ? static_cast<size_t>(end - field) : len);
}

struct Header {
  std::string name;
  uint64_t size = 0;
  int64_t mtime = 0;
  char type = '0';
};

std::optional<Header> parse_header(const unsigned char* block) {
  Header h;
  const auto size = number(block + 124, 12);
  const auto mtime = number(block + 136, 12);
  if (!size || !mtime) return std::nullopt;
  h.size = *size;
  h.mtime = static_cast<int64_t>(*mtime);
  h.type = static_cast<char>(block[156]);
  h.name = field_text(block, 100);
  // POSIX ustar ("ustar\0") splits long names into prefix/name; GNU ("ustar  ") uses
  // those bytes for other fields.
  if (std::memcmp(block + 257, "ustar\0", 6) == 0) {
    const std::string prefix = field_text(block + 345, 155);
    if (!prefix.empty()) h.name = prefix + "/" + h.name;
  }
  return h;
}

// A name without control bytes, shortened: it is quoted in a message.
std::string printable(const std::string& name) {
  std::string out;
  for (unsigned char c : name.substr(0, 200)) out += c < 0x20 || c == 0x7f ? '?' : static_cast<char>(c);
  return out;
}

// The pax extended header records ("<len> <key>=<value>\n") this reader uses.
void apply_pax(const std::string& records, Header& next, bool& has_size) {
  size_t at = 0;
  while (at < records.size()) {
    const size_t space = records.find(' ', at);
    if (space == std::string::npos) return;
    uint64_t len = 0;
    for (size_t i = at; i < space; ++i) {
      if (records[i] < '0' || records[i] > '9' || len > records.size()) return;
      len = len * 10 + static_cast<uint64_t>(records[i] - '0');
    }
    if (len <= space - at + 1 || at + len > records.size()) return;
    const std::string_view rec(records.data() + space + 1, at + len - space - 2);  // no '\n'
    const size_t eq = rec.find('=');
    if (eq != std::string_view::npos) {
      const std::string_view key = rec.substr(0, eq), value = rec.substr(eq + 1);
      if (key == "path") {
        next.name = std::string(value);
      } else if (key == "size") {
        uint64_t v = 0;
        bool ok = !value.empty() && value.size() < 19;  // no overflow below 10^19
        for (char c : value) {
          ok = ok && c >= '0' && c <= '9';
          v = v * 10 + static_cast<uint64_t>(c - '0');
        }
        if (ok) {
          next.size = v;
          has_size = true;
        }
      }
    }
    at += len;
  }
}

// One member's data, read on the member's producer thread. A member cut short hands out
// every byte there is, then reports the cut (unless the decoder below already did).
class MemberSource : public ChunkSource {
 public:
  MemberSource(TarBytes& tar, uint64_t size, ChunkSource& outer)
      : tar_(tar), start_(tar.offset()), size_(size), remaining_(size), outer_(outer) {}

  size_t fill(char* out, size_t cap) override {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(cap, remaining_));
    const size_t got = tar_.read(out, want);
    remaining_ -= got;
    if (got < want) short_ = true;
    return got;
  }
  bool damaged() const override { return short_ || outer_.damaged(); }
  // Only this member's own bytes count: the decoder may have met damage further on while
  // this member was still complete in the bytes read ahead.
  bool cut() const override { return short_; }
  uint64_t disk_offset() const override { return outer_.disk_offset(); }
  // The archive's unverified bytes that fall in this member, from the member's start.
  std::optional<uint64_t> unverified_from() const override {
    const auto from = outer_.unverified_from();
    if (!from || *from >= start_ + size_) return std::nullopt;
    return *from > start_ ? *from - start_ : 0;
  }

  uint64_t remaining() const { return remaining_; }
  uint64_t start() const { return start_; }
  bool short_read() const { return short_; }

 private:
  TarBytes& tar_;
  uint64_t start_;  // offset of the member's data in the archive
  uint64_t size_;
  uint64_t remaining_;
  ChunkSource& outer_;
  bool short_ = false;
};

class TarWalk {
 public:
  TarWalk(ChunkSource& source, const std::string& path, std::string_view outer,
          const ReaderOptions& options, Diagnostics& diag,
          const std::function<void(LogStream&)>& visit)
      : source_(source),
        tar_(source),
        path_(path),
        outer_(outer),
        packaging_("tar+" + std::string(outer)),
        options_(options),
        diag_(diag),
        visit_(visit) {}

  void run() {
    unsigned char block[kBlock];
    Header pending;  // name (and size) from a GNU long name or pax header, for the next one
    bool has_pending_name = false, has_pending_size = false;
    for (;;) {
      uint64_t at = 0;
      const size_t got = next_block(block, at);
      if (got == 0) return;
      if (got < kBlock) return report_cut(at, "a member header is cut short");
      if (all_zero(block)) continue;  // end-of-archive blocks, or padding between tars
      std::optional<Header> h = checksum_ok(block) ? parse_header(block) : std::nullopt;
      if (!h) {
        has_pending_name = has_pending_size = false;  // they were for the damaged one
        if (!resync(block, at)) return;
        continue;
      }
      if (has_pending_name) h->name = pending.name;
      if (has_pending_size) h->size = pending.size;
      has_pending_name = has_pending_size = false;
      switch (h->type) {
        case 'L':  // GNU long name of the next member
        case 'x':  // pax extended header of the next member
        {
          std::string meta;
          if (!read_meta(*h, at, meta)) return;
          if (h->type == 'L') {
            pending.name = field_text(reinterpret_cast<const unsigned char*>(meta.data()), meta.size());
            has_pending_name = true;
          } else {
            pending.name.clear();
            apply_pax(meta, pending, has_pending_size);
            has_pending_name = !pending.name.empty();
          }
          break;
        }
        case '0':
        case '\0':
        case '7':
          if (!member(*h, at)) return;
          if (options_.first_stream_only) return;
          break;
        case 'S':
          diag_.error(path_ + ":" + h->name, disk_offset(at),
                      "a GNU sparse member, which mailtls does not read" + where(at, at + kBlock));
          if (!skip_data(h->size, h->size, at)) return;
          break;
        default:  // directories, links, devices, global pax headers: no log data
          if (!skip_data(h->size, h->size, at)) return;
          break;
      }
      last_member_ = h->name;
    }
  }

 private:
  // The offset a message shows as "byte N": in an uncompressed tar the archive's own; in
  // a compressed one the first byte on disk the data at `at` can have been decoded from.
  int64_t disk_offset(uint64_t at) const {
    if (outer_ == "plain") return static_cast<int64_t>(at);
    const auto range = source_.disk_range(at, at + 1);
    return range ? static_cast<int64_t>(range->first) : -1;
  }
  // For a compressed tar: where the archive's bytes [at, end) are, decompressed and on disk.
  std::string where(uint64_t at, uint64_t end) const {
    if (outer_ == "plain") return std::string();
    std::string text = " (at byte " + std::to_string(at) + " of the decompressed archive";
    if (const auto range = source_.disk_range(at, std::max(end, at + 1)))
      text += ", decoded from bytes " + std::to_string(range->first) + " to " + std::to_string(range->second) +
              " of the " + std::string(outer_) + " file";
    return text + ")";
  }

  bool member(const Header& h, uint64_t header_at) {
    StreamInfo info{path_ + ":" + h.name, packaging_, h.mtime};
    MemberSource data(tar_, h.size, source_);
    {
      ThreadedStream stream(std::move(info), data, options_, diag_);
      visit_(stream);
    }  // the producer thread is joined here: the tar bytes are this thread's again
    visited_.push_back({path_ + ":" + h.name, data.start(), h.size, data.unverified_from().has_value()});
    if (data.short_read()) {
      if (!source_.damaged())
        diag_.error(path_ + ":" + h.name, disk_offset(tar_.offset()),
                    "tar member cut short: " + std::to_string(h.size - data.remaining()) + " of its " +
                        std::to_string(h.size) + " bytes are there" + where(tar_.offset(), tar_.offset()));
      return false;
    }
    // A consumer that stopped early leaves the rest of the member unread.
    return skip_data(data.remaining(), h.size, header_at);
  }

  // The next header block: the one resync() found, or the next 512 bytes.
  size_t next_block(unsigned char* block, uint64_t& at) {
    if (replay_) {
      replay_ = false;
      std::memcpy(block, replayed_, kBlock);
      at = replay_at_;
      return kBlock;
    }
    at = tar_.offset();
    return tar_.read(reinterpret_cast<char*>(block), kBlock);
  }

  // Skips the `left` unread bytes of a member of `size` bytes, and its padding to a block.
  bool skip_data(uint64_t left, uint64_t size, uint64_t header_at) {
    const uint64_t padded = left + (kBlock - size % kBlock) % kBlock;
    if (tar_.skip(padded) < left) {
      report_cut(header_at, "the member after its header is cut short");
      return false;
    }
    return true;
  }

  bool read_meta(const Header& h, uint64_t at, std::string& out) {
    if (h.size > kMaxMetaBytes) {
      diag_.error(path_, disk_offset(at), "tar extended header of " + std::to_string(h.size) +
                                              " bytes is damaged" + where(at, at + kBlock));
      return skip_data(h.size, h.size, at);
    }
    out.resize(h.size);
    if (tar_.read(out.data(), out.size()) < out.size()) {
      report_cut(at, "an extended header is cut short");
      return false;
    }
    return skip_data(0, h.size, at);
  }

  // A block that should be a header and is not: named, then the blocks after it are
  // searched for the next valid header, where reading goes on.
  bool resync(const unsigned char* bad, uint64_t at) {
    std::string name = field_text(bad, 100);
    std::string who = last_member_.empty() ? "the first member" : "the member after '" + printable(last_member_) + "'";
    if (!name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) { return c >= 0x20 && c < 0x7f; }))
      who += " (its name field reads '" + printable(name) + "')";
    unsigned char block[kBlock];
    for (;;) {
      const uint64_t next = tar_.offset();
      const size_t got = tar_.read(reinterpret_cast<char*>(block), kBlock);
      if (got < kBlock) {
        if (!source_.damaged())
          diag_.error(path_, disk_offset(at),
                      "damaged tar header of " + who + where(at, at + kBlock) + "; no valid header follows it");
        return false;
      }
      if (!all_zero(block) && checksum_ok(block) && parse_header(block)) {
        diag_.error(path_, disk_offset(at),
                    "damaged tar header of " + who + where(at, at + kBlock) + "; " + std::to_string(next - at) +
                        " bytes skipped, reading goes on at the next member header, byte " +
                        std::to_string(next));
        // Put the good header back: run() reads it as the next one.
        replay_ = true;
        std::memcpy(replayed_, block, kBlock);
        replay_at_ = next;
        return true;
      }
    }
  }

 public:
  // Members read whole before damage further on showed, although their bytes come from
  // the damaged unit (a single-member tar.gz whose CRC-32 fails at its end): named, since
  // their stream was closed before anyone knew.
  void report_unverified_members() {
    const auto from = source_.unverified_from();
    if (!from) return;
    for (const Visited& m : visited_) {
      if (m.marked || m.start + m.size <= *from) continue;
      const uint64_t first = *from > m.start ? *from - m.start : 0;
      diag_.error(m.name, disk_offset(m.start + first),
                  "read before the damage further on in the archive showed, but decoded from the damaged data: its "
                  "bytes from " + std::to_string(first) + " on may be wrong" + where(m.start + first, m.start + m.size));
    }
  }

 private:
  void report_cut(uint64_t at, const std::string& what) {
    if (source_.damaged()) return;  // the decoder's own message says where and why
    diag_.error(path_, disk_offset(at), "tar archive is truncated: " + what + where(at, at));
  }

  ChunkSource& source_;
  TarBytes tar_;
  const std::string& path_;
  std::string_view outer_;
  std::string packaging_;
  const ReaderOptions& options_;
  Diagnostics& diag_;
  const std::function<void(LogStream&)>& visit_;
  std::string last_member_;
  struct Visited {
    std::string name;
    uint64_t start, size;
    bool marked;  // its stream ended knowing of the damage
  };
  std::vector<Visited> visited_;
  bool replay_ = false;
  unsigned char replayed_[kBlock] = {};
  uint64_t replay_at_ = 0;
};

}  // namespace

bool looks_like_tar(std::string_view head) {
  if (head.size() >= kBlock) return head.substr(257, 5) == "ustar";
  // A tar cut inside its first header: a name ended by NUL, then the octal mode field.
  // Shorter than that it cannot be told from text.
  if (head.size() < 108 || head.substr(0, 100).find('\0') == std::string_view::npos) return false;
  const auto* mode = reinterpret_cast<const unsigned char*>(head.data() + 100);
  return mode[7] == 0 && number(mode, 8).has_value();
}

void visit_tar(ChunkSource& source, const std::string& path, std::string_view outer_packaging,
               const ReaderOptions& options, Diagnostics& diag,
               const std::function<void(LogStream&)>& visit) {
  TarWalk walk(source, path, outer_packaging, options, diag, visit);
  walk.run();
  walk.report_unverified_members();
}

}  // namespace mailtls
