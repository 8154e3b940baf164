#include "read/reader_tar.h"

#include <archive.h>
#include <archive_entry.h>

#include <memory>

#include "read/reader_pipe.h"

namespace mailtls {

namespace {

constexpr size_t kTarFeedBytes = size_t{1} << 20;

// Hands libarchive the decompressed bytes, a large block per callback.
struct TarFeed {
  ChunkSource& source;
  std::unique_ptr<char[]> buffer{new char[kTarFeedBytes]};

  static la_ssize_t read(archive*, void* self, const void** block) {
    auto* feed = static_cast<TarFeed*>(self);
    *block = feed->buffer.get();
    return static_cast<la_ssize_t>(feed->source.fill(feed->buffer.get(), kTarFeedBytes));
  }
};

struct ArchiveCloser {
  void operator()(archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveCloser>;

// Reports a tar-level problem, unless the decoder already reported the damage behind it.
void tar_problem(archive* a, const ChunkSource& source, const std::string& path,
                 std::string_view outer, Diagnostics& diag) {
  if (source.damaged()) return;
  const char* why = archive_error_string(a);
  int64_t at = archive_read_header_position(a);
  std::string message = std::string("damaged tar archive near decompressed byte ") +
                        std::to_string(at) + ": " + (why ? why : "unknown error");
  diag.error(path, outer == "plain" ? at : -1, std::move(message));
}

// One member's data, read on the member's producer thread.
class MemberSource : public ChunkSource {
 public:
  MemberSource(archive* a, ChunkSource& outer, std::string name, Diagnostics& diag)
      : a_(a), outer_(outer), name_(std::move(name)), diag_(diag) {}

  size_t fill(char* out, size_t cap) override {
    size_t got = 0;
    while (got < cap && !done_) {
      la_ssize_t n = archive_read_data(a_, out + got, cap - got);
      if (n > 0)
        got += static_cast<size_t>(n);
      else
        end(n);
    }
    return got;
  }
  bool damaged() const override { return failed_ || outer_.damaged(); }

 private:
  void end(la_ssize_t status) {
    done_ = true;
    if (status == 0 || outer_.damaged()) return;
    failed_ = true;
    const char* why = archive_error_string(a_);
    diag_.error(name_, -1, std::string("damaged tar member: ") + (why ? why : "read error"));
  }

  archive* a_;
  ChunkSource& outer_;
  std::string name_;
  Diagnostics& diag_;
  bool done_ = false;
  bool failed_ = false;
};

ArchivePtr open_tar(TarFeed& feed) {
  ArchivePtr a(archive_read_new());
  archive_read_support_format_tar(a.get());
  if (archive_read_open(a.get(), &feed, nullptr, &TarFeed::read, nullptr) != ARCHIVE_OK) return {};
  return a;
}

}  // namespace

bool looks_like_tar(std::string_view head) {
  return head.size() >= 512 && head.substr(257, 5) == "ustar";
}

void visit_tar(ChunkSource& source, const std::string& path, std::string_view outer_packaging,
               const ReaderOptions& options, Diagnostics& diag,
               const std::function<void(LogStream&)>& visit) {
  TarFeed feed{source};
  ArchivePtr a = open_tar(feed);
  if (!a) return diag.error(path, -1, "cannot read tar archive");
  std::string packaging = "tar+" + std::string(outer_packaging);
  archive_entry* entry = nullptr;
  for (;;) {
    int r = archive_read_next_header(a.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) return tar_problem(a.get(), source, path, outer_packaging, diag);
    if (archive_entry_filetype(entry) != AE_IFREG) continue;
    const char* member_name = archive_entry_pathname(entry);
    StreamInfo info{path + ":" + (member_name ? member_name : "?"), packaging,
                    archive_entry_mtime_is_set(entry) ? archive_entry_mtime(entry) : 0};
    MemberSource member(a.get(), source, info.name, diag);
    ThreadedStream stream(std::move(info), member, options, diag);
    visit(stream);
    if (options.first_stream_only) return;
  }
}

}  // namespace mailtls
