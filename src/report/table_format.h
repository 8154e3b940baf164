// Output writers shared by `summary` and `query`: a terminal table that fits a given
// width, CSV (RFC 4180) and the width of the terminal.
//
// Widths are display columns, not bytes: UTF-8 is decoded, East Asian wide characters
// count 2, combining marks 0. Control characters in cells (log content may carry ESC
// or newlines) are shown as visible escapes (base/terminal_text.h) so a cell can neither
// break a line nor drive the terminal.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace mailtls {

struct TableColumn {
  std::string label;
  bool right_align = false;  // numbers
  int priority = 0;          // when the table is too wide, the highest priority drops first
  size_t min_width = 0;      // narrowest before dropping; 0: never shrink (numbers)
};

struct Table {
  std::vector<TableColumn> columns;
  std::vector<std::vector<std::string>> rows;  // one string per column
};

struct TableLayout {
  std::vector<size_t> widths;   // per column; 0 = dropped
  std::vector<size_t> dropped;  // indices of dropped columns, in column order
  // A cell wider than its column is printed whole (the line grows) instead of cut: for
  // output that is not a terminal, where nothing may be lost.
  bool whole_cells = false;
};

// Chooses each column's width so that a line is at most `width` display columns:
// shrink the widest shrinkable columns first, drop columns by priority when even
// their minimum widths do not fit.
TableLayout fit_table(const Table& table, size_t width);

// The table as text: a header line, a rule, one line per row; every line fits `width`.
std::string render_table(const Table& table, size_t width);
// The same in a layout chosen before (fit_table), and its rows alone, so that rows can
// be printed as they come in the layout of the first ones.
std::string render_table(const Table& table, const TableLayout& layout);
std::string render_table_rows(const Table& table, const TableLayout& layout);

size_t display_width(std::string_view utf8);
// The longest prefix of `text` that fits `width`, ending with "…" when cut.
std::string fit_cell(std::string_view text, size_t width);
// Control characters and invalid bytes shown as visible escapes (terminal_text()).
std::string printable(std::string_view text);

// One CSV record (RFC 4180: quotes when needed, CRLF not used: "\n" ends the record).
void write_csv_row(std::ostream& out, const std::vector<std::string>& fields);
// A cell of CSV meant for spreadsheets (summary --format csv), with OWASP's defence
// against formula injection: a cell that starts with = + - @ TAB or CR (a spreadsheet
// would run it as a formula) gets a leading ' so that it is shown as text. `query
// --format csv` does not do this: its values are data for programs, kept as stored.
std::string spreadsheet_cell(std::string cell);

// Width to use: `requested` when > 0; else $COLUMNS; else the terminal's when stdout
// is a terminal; else 80.
size_t output_width(int requested);
// Whether standard output is a terminal.
bool stdout_is_terminal();
// Columns of the terminal `fd` is: $COLUMNS, else its width, else 80.
size_t terminal_columns(int fd);

}  // namespace mailtls
