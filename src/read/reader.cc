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

// The run's database and the files SQLite keeps beside it, by path (they may not exist
// yet) and by inode (a link or another spelling of the same file).
class OwnFiles {
 public:
  explicit OwnFiles(const std::string& database) {
    if (database.empty()) return;
    for (const char* suffix : {"", "-journal", "-wal", "-shm"}) {
      const std::string p = database + suffix;
      std::error_code ec;
      paths_.push_back(fs::weakly_canonical(p, ec));
      if (ec) paths_.back() = fs::absolute(p, ec).lexically_normal();
      struct stat st;
      if (::stat(p.c_str(), &st) == 0) ids_.emplace_back(st.st_dev, st.st_ino);
    }
  }
  bool contains(const std::string& path, const struct stat& st) const {
    for (const auto& [dev, ino] : ids_)
      if (st.st_dev == dev && st.st_ino == ino) return true;
    std::error_code ec;
    const fs::path p = fs::weakly_canonical(path, ec);
    return !ec && std::find(paths_.begin(), paths_.end(), p) != paths_.end();
  }

 private:
  std::vector<std::pair<dev_t, ino_t>> ids_;
  std::vector<fs::path> paths_;
};

// What expanding the arguments shares.
struct Expansion {
  std::vector<InputItem>& out;
  Diagnostics& diag;
  const OwnFiles& own;
};

// `named`: given on the command line itself, rather than found in a directory or glob.
// False for a file of the database, which is never read.
bool add_file(const std::string& path, const struct stat& st, Expansion& x, bool named) {
  if (x.own.contains(path, st)) {
    if (named)
      x.diag.warning(path, -1, "is the database of this run (or a file SQLite keeps beside it): not read as a log");
    return false;
  }
  if (check_readable(path, x.diag)) x.out.push_back({path, static_cast<int64_t>(st.st_mtim.tv_sec)});
  return true;
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

void expand_directory(const std::string& dir, Expansion& x) {
  std::vector<std::string> files;
  walk_directory(dir, files, x.diag);
  std::sort(files.begin(), files.end());
  size_t logs = 0;
  for (const auto& f : files) {
    struct stat st;
    if (::stat(f.c_str(), &st) == 0 && add_file(f, st, x, false)) ++logs;
  }
  if (logs == 0) x.diag.error(dir, -1, "directory contains no log files");
}

void expand_path(const std::string& path, Expansion& x, bool named) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    return x.diag.error(path, -1, std::string("cannot open: ") + std::strerror(errno));
  }
  // Anything else that is not a directory (a FIFO, /dev/stdin) is read like a file.
  if (S_ISDIR(st.st_mode)) return expand_directory(path, x);
  add_file(path, st, x, named);
}

void expand_glob(const std::string& pattern, Expansion& x) {
  glob_t g{};
  int r = ::glob(pattern.c_str(), 0, nullptr, &g);
  if (r == 0) {
    for (size_t i = 0; i < g.gl_pathc; ++i) expand_path(g.gl_pathv[i], x, false);
  } else if (r == GLOB_NOMATCH) {
    x.diag.error(pattern, -1, "no file matches this pattern");
  } else {
    x.diag.error(pattern, -1, "cannot expand this pattern");
  }
  globfree(&g);
}

bool is_glob(const std::string& arg) {
  if (arg.find_first_of("*?[") == std::string::npos) return false;
  struct stat st;
  return ::stat(arg.c_str(), &st) != 0;  // a file really named "a*b" is that file
}

constexpr size_t kLongestMagic = 16;  // "SQLite format 3\0"

void cannot_read(const std::string& path, std::string_view what, Diagnostics& diag) {
  diag.error(path, 0, std::string(what) + ", which mailtls cannot read: unpack the logs from it first");
}

// The first decompressed bytes, enough to recognise a tar header.
std::string read_head(ChunkSource& source) {
  std::string head(kTarBlock, '\0');
  head.resize(source.fill(head.data(), head.size()));
  return head;
}

}  // namespace

std::vector<InputItem> expand_inputs(const std::vector<std::string>& args, Diagnostics& diag,
                                     const std::string& database) {
  std::vector<InputItem> out;
  const OwnFiles own(database);
  Expansion x{out, diag, own};
  for (const auto& arg : args) {
    if (arg == "-") {
      out.push_back({"-", 0});
    } else if (is_glob(arg)) {
      expand_glob(arg, x);
    } else {
      expand_path(arg, x, true);
    }
  }
  return out;
}

void read_input(const InputItem& input, const ReaderOptions& options, Diagnostics& diag,
                const std::function<void(LogStream&)>& visit) {
  std::string error;
  auto raw = RawFile::open(input.path, kInputBuffer, error);
  if (!raw) return diag.error(input.path, -1, error);
  raw->fill(kLongestMagic);
  std::string_view packaging = sniff_packaging(raw->data());
  if (!readable_packaging(packaging)) return cannot_read(input.path, packaging.substr(1), diag);
  auto decoder = make_decoder(packaging, *raw, diag, input.path);
  std::string head = read_head(*decoder);
  PrefixedSource source(head, *decoder);
  if (looks_like_tar(head)) return visit_tar(source, input.path, packaging, options, diag, visit);
  // A compressed zip, or a file compressed twice: its text would be binary garbage.
  if (const std::string_view inner = packaging == "plain" ? "plain" : sniff_packaging(head); inner != "plain") {
    const std::string what = readable_packaging(inner) ? std::string(inner) + " data" : std::string(inner.substr(1));
    return cannot_read(input.path, std::string(packaging) + " file holding " + what, diag);
  }
  int64_t mtime = input.mtime != 0 || input.path == "-" ? input.mtime : raw->mtime();
  std::stop_source stop;
  raw->watch(stop.get_token());
  ThreadedStream stream({input.path, std::string(packaging), mtime}, source, options, diag, stop);
  visit(stream);
}

}  // namespace mailtls
