// mailtls-gen: writes large, realistic, seeded Cisco ESA logs for benchmarks and crash
// tests. Same --seed and options, same bytes. See bench/README.md.
#include <sys/resource.h>
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "gen_sim.h"

namespace {

const char kUsage[] =
    "usage: mailtls-gen --out DIR [--seed N] [--bytes SIZE] [--start 2026-11-01T00:00:00]\n"
    "                   [--form file|syslog] [--debug-fraction 0.3] [--appliance-serial S]\n"
    "                   [--host esa1.example.com] [--domains 400]\n"
    "Writes DIR/mail.current, DIR/domain_debug.current and DIR/injection_debug.current,\n"
    "about SIZE bytes in all (K, M, G suffixes are powers of 1024), and prints a JSON summary.\n";

// "500M", "1G", "64K", "12345": powers of 1024. Returns 0 when malformed.
uint64_t parse_size(std::string_view s) {
  uint64_t v = 0;
  size_t i = 0;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) v = v * 10 + uint64_t(s[i] - '0');
  if (i == 0) return 0;
  std::string_view unit = s.substr(i);
  if (unit.ends_with("iB")) unit.remove_suffix(2);
  if (unit.ends_with('B')) unit.remove_suffix(1);
  if (unit.empty()) return v;
  if (unit.size() != 1) return 0;
  switch (unit[0] | 0x20) {
    case 'k':
      return v << 10;
    case 'm':
      return v << 20;
    case 'g':
      return v << 30;
    case 't':
      return v << 40;
    default:
      return 0;
  }
}

bool parse_u64(const char* s, uint64_t& out) {
  char* end = nullptr;
  errno = 0;
  out = std::strtoull(s, &end, 10);
  return errno == 0 && end != s && *end == '\0';
}

// Applies one "--name value" pair; returns an error message, or nullptr when fine.
const char* apply(gen::Options& o, std::string_view name, const char* value) {
  if (name == "--seed") return parse_u64(value, o.seed) ? nullptr : "--seed: not a number";
  if (name == "--bytes") return (o.bytes = parse_size(value)) ? nullptr : "--bytes: bad size";
  if (name == "--out") return (o.out_dir = value).empty() ? "--out: empty" : nullptr;
  if (name == "--appliance-serial") return (o.serial = value), nullptr;
  if (name == "--host") return (o.host = value), nullptr;
  if (name == "--start") return gen::parse_start(value, o.start) ? nullptr : "--start: bad time";
  if (name == "--form") {
    if (std::strcmp(value, "file") == 0) return o.form = gen::Form::file, nullptr;
    if (std::strcmp(value, "syslog") == 0) return o.form = gen::Form::syslog, nullptr;
    return "--form: file or syslog";
  }
  if (name == "--debug-fraction") {
    char* end = nullptr;
    o.debug_fraction = std::strtod(value, &end);
    const bool ok = end != value && *end == '\0' && o.debug_fraction >= 0 && o.debug_fraction <= 1;
    return ok ? nullptr : "--debug-fraction: a number from 0 to 1";
  }
  if (name == "--domains") {
    uint64_t n = 0;
    const bool ok = parse_u64(value, n) && n >= 30 && n <= 60000;
    o.domains = size_t(n);
    return ok ? nullptr : "--domains: a number from 30 to 60000";
  }
  return "unknown option";
}

bool parse_args(int argc, char** argv, gen::Options& o) {
  gen::parse_start("2026-11-01T00:00:00", o.start);
  for (int i = 1; i < argc; ++i) {
    const std::string_view name = argv[i];
    if (name == "-h" || name == "--help") return false;
    if (i + 1 >= argc) {
      std::fprintf(stderr, "mailtls-gen: %s: missing value\n", argv[i]);
      return false;
    }
    if (const char* err = apply(o, name, argv[++i])) {
      std::fprintf(stderr, "mailtls-gen: %s (%s)\n", err, argv[i - 1]);
      return false;
    }
  }
  if (o.out_dir.empty()) std::fprintf(stderr, "mailtls-gen: --out is required\n");
  return !o.out_dir.empty();
}

// CPU seconds of this process: on a shared machine the wall clock also measures the
// neighbours, so the summary reports both.
double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

void print_summary(const gen::Sim& sim, double seconds) {
  uint64_t bytes = 0, lines = 0;
  std::printf("{\"files\": [");
  const char* sep = "";
  for (const gen::LogWriter* w : sim.writers()) {
    std::printf("%s{\"path\": \"%s\", \"bytes\": %llu, \"lines\": %llu}", sep, w->path().c_str(),
                (unsigned long long)w->bytes(), (unsigned long long)w->lines());
    bytes += w->bytes();
    lines += w->lines();
    sep = ", ";
  }
  const gen::Totals& t = sim.totals();
  const double cpu = cpu_seconds();
  std::printf(
      "], \"bytes\": %llu, \"lines\": %llu, \"connections_in\": %llu, "
      "\"connections_out\": %llu, \"messages\": %llu, \"seconds\": %.3f, "
      "\"mb_per_s\": %.1f, \"cpu_seconds\": %.3f, \"mb_per_cpu_s\": %.1f}\n",
      (unsigned long long)bytes, (unsigned long long)lines, (unsigned long long)t.connections_in,
      (unsigned long long)t.connections_out, (unsigned long long)t.messages, seconds,
      seconds > 0 ? bytes / 1e6 / seconds : 0.0, cpu, cpu > 0 ? bytes / 1e6 / cpu : 0.0);
}

}  // namespace

int main(int argc, char** argv) {
  gen::Options opt;
  if (!parse_args(argc, argv, opt)) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  if (::mkdir(opt.out_dir.c_str(), 0755) != 0 && errno != EEXIST) {
    std::fprintf(stderr, "mailtls-gen: %s: %s\n", opt.out_dir.c_str(), std::strerror(errno));
    return 1;
  }
  const auto t0 = std::chrono::steady_clock::now();
  gen::Sim sim(opt);
  if (!sim.run()) {
    std::fprintf(stderr, "mailtls-gen: cannot write the logs in %s\n", opt.out_dir.c_str());
    return 1;
  }
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - t0;
  print_summary(sim, took.count());
  return 0;
}
