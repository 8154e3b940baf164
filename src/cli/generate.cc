#include "cli/generate.h"

#include <sstream>
#include <vector>

namespace mailtls {
namespace {

// The subcommands a user sees (not the hidden `generate`).
std::vector<const CLI::App*> visible_subcommands(const CLI::App& app) {
  return app.get_subcommands([](const CLI::App* c) { return !c->get_group().empty(); });
}

std::vector<const CLI::Option*> visible_options(const CLI::App& c) {
  return c.get_options([](const CLI::Option* o) { return !o->get_group().empty(); });
}

// Every spelling of an option: "-q", "--quiet".
std::vector<std::string> spellings(const CLI::Option& o) {
  std::vector<std::string> names;
  for (const auto& s : o.get_snames()) names.push_back("-" + s);
  for (const auto& l : o.get_lnames()) names.push_back("--" + l);
  return names;
}

std::string roff(std::string text) {
  std::string out;
  for (char ch : text) {
    if (ch == '\\') out += "\\e";
    else if (ch == '-') out += "\\-";
    else out += ch;
  }
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out = "\\&" + out;
  return out;
}

// The choices of an option checked by CLI::IsMember: its type name reads "TEXT:{a,b}".
std::vector<std::string> choices(const CLI::Option& o) {
  const std::string type = o.get_type_name();
  const auto open = type.find('{'), close = type.rfind('}');
  std::vector<std::string> out;
  if (open == std::string::npos || close == std::string::npos || close < open) return out;
  std::stringstream list(type.substr(open + 1, close - open - 1));
  for (std::string item; std::getline(list, item, ',');) {
    while (!item.empty() && item.front() == ' ') item.erase(item.begin());
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

bool takes_value(const CLI::Option& o) { return o.get_type_size() != 0 && o.get_items_expected_max() > 0; }

bool names_file(const CLI::Option& o) {
  for (const auto& l : o.get_lnames())
    if (l == "db" || l == "file" || l == "transcript" || l == "html" || l == "out" || l == "data-dir") return true;
  return o.get_positional() && o.get_name() == "INPUT";
}

}  // namespace

std::string generate_man(const CLI::App& app, const std::string& version) {
  std::ostringstream m;
  m << ".TH MAILTLS 1 \"\" \"mailtls " << version << "\" \"User Commands\"\n"
    << ".SH NAME\nmailtls \\- " << roff(app.get_description().substr(app.get_description().find(':') + 2)) << "\n"
    << ".SH SYNOPSIS\n.B mailtls\n.I command\n[\\fIoptions\\fR]\n.br\n.B mailtls \\-\\-version\n"
    << ".SH DESCRIPTION\nmailtls reads Cisco ESA mail logs into an SQLite database and explains the TLS of "
       "every SMTP connection. Usage errors exit with status 2, other failures with 1.\n"
    << ".SH COMMANDS\n";
  for (const CLI::App* c : visible_subcommands(app)) {
    m << ".SS \"mailtls " << c->get_name() << "\"\n" << roff(c->get_description()) << "\n";
    for (const CLI::Option* o : visible_options(*c)) {
      std::string head;
      if (o->get_positional()) head = "\\fI" + o->get_name() + "\\fR";
      for (const auto& s : spellings(*o)) head += (head.empty() ? "" : ", ") + std::string("\\fB") + roff(s) + "\\fR";
      if (!o->get_positional() && takes_value(*o)) head += " \\fI" + roff(o->get_type_name()) + "\\fR";
      std::string text = o->get_description();
      if (!o->get_default_str().empty()) text += " (default: " + o->get_default_str() + ")";
      if (o->get_required()) text += " (required)";
      m << ".TP\n" << head << "\n" << roff(text) << "\n";
    }
  }
  m << ".SH ENVIRONMENT\n.TP\n.B MAILTLS_DATA_DIR\nDirectory with grammars/ and locales/ when \\-\\-data\\-dir is "
       "not given.\n.TP\n.B COLUMNS\nWidth of the tables on a terminal.\n"
    << ".SH EXIT STATUS\n0 on success, 1 on a failure, 2 on a usage error; an ingest stopped by a signal exits "
       "128 + the signal.\n"
    << ".SH SEE ALSO\nsqlite3(1); the README.md and docs/ of the mailtls sources.\n";
  return m.str();
}

std::string generate_bash(const CLI::App& app) {
  std::ostringstream b;
  std::string commands;
  for (const CLI::App* c : visible_subcommands(app)) commands += (commands.empty() ? "" : " ") + c->get_name();
  b << "# bash completion for mailtls (written by `mailtls generate bash`)\n"
    << "_mailtls() {\n"
    << "  local cur prev cmd\n"
    << "  cur=${COMP_WORDS[COMP_CWORD]}\n"
    << "  prev=${COMP_WORDS[COMP_CWORD-1]}\n"
    << "  cmd=${COMP_WORDS[1]}\n"
    << "  if [ \"$COMP_CWORD\" -eq 1 ]; then\n"
    << "    COMPREPLY=($(compgen -W \"" << commands << " --help --version\" -- \"$cur\"))\n"
    << "    return\n"
    << "  fi\n"
    << "  case \"$cmd\" in\n";
  for (const CLI::App* c : visible_subcommands(app)) {
    std::string options = "--help", files, value_cases;
    for (const CLI::Option* o : visible_options(*c)) {
      if (o->get_positional()) continue;
      for (const auto& s : spellings(*o)) options += " " + s;
      if (!takes_value(*o)) continue;
      std::string pattern;
      for (const auto& s : spellings(*o)) pattern += (pattern.empty() ? "" : "|") + s;
      const auto values = choices(*o);
      if (!values.empty()) {
        std::string words;
        for (const auto& v : values) words += (words.empty() ? "" : " ") + v;
        value_cases += "        " + pattern + ") COMPREPLY=($(compgen -W \"" + words + "\" -- \"$cur\")); return ;;\n";
      } else if (names_file(*o)) {
        value_cases += "        " + pattern + ") COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n";
      } else {
        value_cases += "        " + pattern + ") return ;;\n";
      }
    }
    b << "    " << c->get_name() << ")\n"
      << "      case \"$prev\" in\n" << value_cases << "      esac\n"
      << "      COMPREPLY=($(compgen -W \"" << options << "\" -- \"$cur\"))\n"
      << "      [ ${#COMPREPLY[@]} -eq 0 ] && COMPREPLY=($(compgen -f -- \"$cur\"))\n"
      << "      ;;\n";
  }
  b << "  esac\n}\ncomplete -F _mailtls mailtls\n";
  return b.str();
}

std::string generate_zsh(const CLI::App& app) {
  auto quote = [](std::string text) {
    std::string out;
    for (char ch : text) {
      if (ch == '\'') out += "'\\''";
      else if (ch == '[' || ch == ']' || ch == ':') out += std::string("\\") + ch;
      else out += ch;
    }
    return out;
  };
  std::ostringstream z;
  z << "#compdef mailtls\n# zsh completion for mailtls (written by `mailtls generate zsh`)\n\n"
    << "_mailtls() {\n  local -a commands\n  commands=(\n";
  for (const CLI::App* c : visible_subcommands(app))
    z << "    '" << c->get_name() << ":" << quote(c->get_description()) << "'\n";
  z << "  )\n  if (( CURRENT == 2 )); then\n    _describe 'command' commands\n    return\n  fi\n"
    << "  local cmd=${words[2]}\n  shift words\n  (( CURRENT-- ))\n  case $cmd in\n";
  for (const CLI::App* c : visible_subcommands(app)) {
    z << "    " << c->get_name() << ")\n      _arguments -s \\\n";
    for (const CLI::Option* o : visible_options(*c)) {
      std::string action;
      if (takes_value(*o)) {
        const auto values = choices(*o);
        if (!values.empty()) {
          action = ":value:(";
          for (size_t i = 0; i < values.size(); ++i) action += (i ? " " : "") + values[i];
          action += ")";
        } else {
          action = names_file(*o) ? ":file:_files" : ":value: ";
        }
      }
      if (o->get_positional()) {
        z << "        '*:" << quote(o->get_description()) << ":_files' \\\n";
        continue;
      }
      for (const auto& s : spellings(*o))
        z << "        '" << (o->get_items_expected_max() > 1 ? "*" : "") << s << "[" << quote(o->get_description())
          << "]" << action << "' \\\n";
    }
    z << "        && return\n      ;;\n";
  }
  z << "  esac\n}\n\n_mailtls \"$@\"\n";
  return z.str();
}

}  // namespace mailtls
