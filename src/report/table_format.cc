#include "report/table_format.h"

#include "base/terminal_text.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <ostream>

namespace mailtls {
namespace {

constexpr size_t kSeparator = 2;  // spaces between columns

// Decodes one UTF-8 sequence at `i`; invalid bytes decode as themselves (one column)
// so that damaged log text still renders.
char32_t decode(std::string_view s, size_t& i) {
  unsigned char c = s[i];
  int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
  if (extra == 0 || i + extra >= s.size()) {
    ++i;
    return c;
  }
  char32_t cp = c & (0x3F >> extra);
  for (int k = 1; k <= extra; ++k) {
    unsigned char next = s[i + k];
    if ((next & 0xC0) != 0x80) { ++i; return c; }
    cp = (cp << 6) | (next & 0x3F);
  }
  i += extra + 1;
  return cp;
}

int columns_of(char32_t cp) {
  if (cp >= 0x300 && cp <= 0x36F) return 0;  // combining diacritics
  if ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
      (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
      (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
      (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1FAFF) ||
      (cp >= 0x20000 && cp <= 0x3FFFD))
    return 2;
  return 1;
}

std::string pad(std::string_view cell, size_t width, bool right) {
  size_t used = display_width(cell);
  std::string fill(width > used ? width - used : 0, ' ');
  return right ? fill + std::string(cell) : std::string(cell) + fill;
}

std::string trim_right(std::string line) {
  while (!line.empty() && line.back() == ' ') line.pop_back();
  return line;
}

std::vector<size_t> natural_widths(const Table& t) {
  std::vector<size_t> w;
  for (const auto& c : t.columns) w.push_back(display_width(c.label));
  for (const auto& row : t.rows)
    for (size_t i = 0; i < w.size() && i < row.size(); ++i)
      w[i] = std::max(w[i], display_width(printable(row[i])));
  return w;
}

size_t line_width(const std::vector<size_t>& widths) {
  size_t total = 0, shown = 0;
  for (size_t w : widths)
    if (w) total += w, ++shown;
  return shown ? total + kSeparator * (shown - 1) : 0;
}

// Drops the highest-priority (least important) shown column, the rightmost on ties.
void drop_one(const Table& t, std::vector<size_t>& widths, std::vector<size_t>& mins) {
  size_t victim = widths.size();
  for (size_t i = 0; i < widths.size(); ++i)
    if (widths[i] && (victim == widths.size() || t.columns[i].priority >= t.columns[victim].priority))
      victim = i;
  widths[victim] = mins[victim] = 0;
}

// Narrows the least important column that is still above its minimum (the widest on
// ties), so the key column keeps its text longest; false when none can shrink.
bool shrink_one(const Table& t, std::vector<size_t>& widths, const std::vector<size_t>& mins) {
  size_t best = widths.size();
  for (size_t i = 0; i < widths.size(); ++i) {
    if (widths[i] <= mins[i]) continue;
    if (best == widths.size() || t.columns[i].priority > t.columns[best].priority ||
        (t.columns[i].priority == t.columns[best].priority && widths[i] > widths[best]))
      best = i;
  }
  if (best == widths.size()) return false;
  --widths[best];
  return true;
}

}  // namespace

size_t display_width(std::string_view utf8) {
  size_t width = 0;
  for (size_t i = 0; i < utf8.size();) width += columns_of(decode(utf8, i));
  return width;
}

std::string fit_cell(std::string_view text, size_t width) {
  if (display_width(text) <= width) return std::string(text);
  if (width == 0) return "";
  size_t used = 0, i = 0;
  while (i < text.size()) {
    size_t start = i;
    int w = columns_of(decode(text, i));
    if (used + w > width - 1) { i = start; break; }
    used += w;
  }
  return std::string(text.substr(0, i)) + "…";
}

std::string printable(std::string_view text) { return terminal_text(text); }

TableLayout fit_table(const Table& t, size_t width) {
  std::vector<size_t> widths = natural_widths(t), mins(widths.size());
  for (size_t i = 0; i < widths.size(); ++i)
    mins[i] = t.columns[i].min_width ? std::min(widths[i], t.columns[i].min_width) : widths[i];
  auto shown = [&] { return widths.size() - std::count(widths.begin(), widths.end(), size_t{0}); };
  while (shown() > 1 && line_width(mins) > width) drop_one(t, widths, mins);
  while (line_width(widths) > width && shrink_one(t, widths, mins)) {}
  // A single column that is still too wide is cut to the width regardless of its minimum.
  if (line_width(widths) > width)
    for (auto& w : widths)
      if (w) w = std::max<size_t>(width, 1);
  TableLayout layout{widths, {}};
  for (size_t i = 0; i < widths.size(); ++i)
    if (!widths[i]) layout.dropped.push_back(i);
  return layout;
}

namespace {

std::string table_line(const Table& t, const TableLayout& layout, const std::vector<std::string>* row) {
  std::string text;
  for (size_t i = 0; i < t.columns.size(); ++i) {
    if (!layout.widths[i]) continue;
    if (!text.empty()) text += std::string(kSeparator, ' ');
    const std::string cell = row ? (i < row->size() ? printable((*row)[i]) : std::string()) : t.columns[i].label;
    const bool whole = layout.whole_cells && display_width(cell) > layout.widths[i];
    text += whole ? cell : pad(fit_cell(cell, layout.widths[i]), layout.widths[i], t.columns[i].right_align);
  }
  return trim_right(text) + "\n";
}

}  // namespace

std::string render_table_rows(const Table& t, const TableLayout& layout) {
  std::string out;
  for (const auto& row : t.rows) out += table_line(t, layout, &row);
  return out;
}

std::string render_table(const Table& t, const TableLayout& layout) {
  std::string out = table_line(t, layout, nullptr);
  out += std::string(line_width(layout.widths), '-') + "\n";
  return out + render_table_rows(t, layout);
}

std::string render_table(const Table& t, size_t width) { return render_table(t, fit_table(t, width)); }

void write_csv_row(std::ostream& out, const std::vector<std::string>& fields) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i) out << ',';
    const std::string& f = fields[i];
    bool quote = f.find_first_of(",\"\r\n") != std::string::npos ||
                 (!f.empty() && (f.front() == ' ' || f.back() == ' '));
    if (!quote) { out << f; continue; }
    out << '"';
    for (char c : f) out << (c == '"' ? "\"\"" : std::string(1, c));
    out << '"';
  }
  out << '\n';
}

std::string spreadsheet_cell(std::string cell) {
  if (!cell.empty() && std::string_view("=+-@\t\r").find(cell.front()) != std::string_view::npos)
    cell.insert(cell.begin(), '\'');
  return cell;
}

size_t output_width(int requested) {
  if (requested > 0) return static_cast<size_t>(requested);
  if (const char* env = std::getenv("COLUMNS"); env && std::atoi(env) > 0)
    return static_cast<size_t>(std::atoi(env));
  winsize ws{};
  if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
    return ws.ws_col;
  return 80;
}

bool stdout_is_terminal() { return isatty(STDOUT_FILENO) == 1; }

size_t terminal_columns(int fd) {
  if (const char* env = std::getenv("COLUMNS"); env && std::atoi(env) > 0) return static_cast<size_t>(std::atoi(env));
  winsize ws{};
  if (isatty(fd) && ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

}  // namespace mailtls
