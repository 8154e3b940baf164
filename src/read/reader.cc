// The reader's two entry points: which inputs there are, and the bytes inside each.
#include "read/reader.h"

#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "read/reader_decode.h"
#include "read/reader_file.h"
#include "read/reader_pipe.h"
#include "read/reader_tar.h"

namespace mailtls {

namespace fs = std::filesystem;

namespace {

constexpr size_t kInputBuffer = size_t{1} << 20;
constexpr size_t kTarBlock = 512;

// Opening is the only test of readability that holds for root, ACLs and every filesystem.
bool check_readable(const std::string& path, Diagnostics& diag) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    diag.error(path, 0, std::string("cannot read: ") + std::strerror(errno));
    return false;
  }
  ::close(fd);
  return true;
}

void add_file(const std::string& path, const struct stat& st, std::vector<InputItem>& out,
              Diagnostics& diag) {
  if (check_readable(path, diag)) out.push_back({path, static_cast<int64_t>(st.st_mtim.tv_sec)});
}

// A directory of logs often holds their notes too (READMEs, expected results, scripts,
// databases). Walking a directory skips those by name; a file named on the command line
// is always read.
bool looks_like_notes(const fs::path& file) {
  static constexpr std::string_view kSkipped[] = {".md", ".toml", ".py", ".sh", ".json", ".sql",
                                                  ".html", ".png", ".csv", ".paste", ".db",
                                                  ".db-wal", ".db-shm", ".sqlite"};
  const std::string name = file.filename().string();
  if (name.empty() || name.front() == '.') return true;
  for (auto ext : kSkipped)
    if (name.size() > ext.size() && name.compare(name.size() - ext.size(), ext.size(), ext) == 0)
      return true;
  return false;
}

// Symlinked directories are not followed, so a link cycle cannot recurse forever.
void walk_directory(const fs::path& dir, std::vector<std::string>& files, Diagnostics& diag) {
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    std::error_code kind_ec;
    if (it->is_directory(kind_ec) && !it->is_symlink(kind_ec)) {
      walk_directory(it->path(), files, diag);
    } else if (it->is_regular_file(kind_ec) && !looks_like_notes(it->path())) {
      files.push_back(it->path().string());
    }
  }
  if (ec) diag.error(dir.string(), -1, "cannot read directory: " + ec.message());
}

void expand_directory(const std::string& dir, std::vector<InputItem>& out, Diagnostics& diag) {
  std::vector<std::string> files;
  walk_directory(dir, files, diag);
  if (files.empty()) return diag.error(dir, -1, "directory contains no log files");
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    struct stat st;
    if (::stat(f.c_str(), &st) == 0) add_file(f, st, out, diag);
  }
}

void expand_path(const std::string& path, std::vector<InputItem>& out, Diagnostics& diag) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    return diag.error(path, -1, std::string("cannot open: ") + std::strerror(errno));
  }
  // Anything else that is not a directory (a FIFO, /dev/stdin) is read like a file.
  if (S_ISDIR(st.st_mode)) return expand_directory(path, out, diag);
  add_file(path, st, out, diag);
}

void expand_glob(const std::string& pattern, std::vector<InputItem>& out, Diagnostics& diag) {
  glob_t g{};
  int r = ::glob(pattern.c_str(), 0, nullptr, &g);
  if (r == 0) {
    for (size_t i = 0; i < g.gl_pathc; ++i) expand_path(g.gl_pathv[i], out, diag);
  } else if (r == GLOB_NOMATCH) {
    diag.error(pattern, -1, "no file matches this pattern");
  } else {
    diag.error(pattern, -1, "cannot expand this pattern");
  }
  globfree(&g);
}

bool is_glob(const std::string& arg) {
  if (arg.find_first_of("*?[") == std::string::npos) return false;
  struct stat st;
  return ::stat(arg.c_str(), &st) != 0;  // a file really named "a*b" is that file
}

// The first decompressed bytes, enough to recognise a tar header.
std::string read_head(ChunkSource& source) {
  std::string head(kTarBlock, '\0');
  head.resize(source.fill(head.data(), head.size()));
  return head;
}

}  // namespace

std::vector<InputItem> expand_inputs(const std::vector<std::string>& args, Diagnostics& diag) {
  std::vector<InputItem> out;
  for (const auto& arg : args) {
    if (arg == "-") {
      out.push_back({"-", 0});
    } else if (is_glob(arg)) {
      expand_glob(arg, out, diag);
    } else {
      expand_path(arg, out, diag);
    }
  }
  return out;
}

void read_input(const InputItem& input, const ReaderOptions& options, Diagnostics& diag,
                const std::function<void(LogStream&)>& visit) {
  std::string error;
  auto raw = RawFile::open(input.path, kInputBuffer, error);
  if (!raw) return diag.error(input.path, -1, error);
  raw->fill(8);  // the longest magic is 6 bytes
  std::string_view packaging = sniff_packaging(raw->data());
  auto decoder = make_decoder(packaging, *raw, diag, input.path);
  std::string head = read_head(*decoder);
  PrefixedSource source(head, *decoder);
  if (looks_like_tar(head)) return visit_tar(source, input.path, packaging, options, diag, visit);
  int64_t mtime = input.mtime != 0 || input.path == "-" ? input.mtime : raw->mtime();
  std::stop_source stop;
  raw->watch(stop.get_token());
  ThreadedStream stream({input.path, std::string(packaging), mtime}, source, options, diag, stop);
  visit(stream);
}

}  // namespace mailtls
