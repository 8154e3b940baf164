// The man page and the shell completions of mailtls, written from the CLI11 definitions
// main() parses with (`mailtls generate man|bash|zsh`, run by CMake at build time), so
// they name exactly the subcommands and options --help shows.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace mailtls {

// The man page (roff) of `app`'s visible subcommands and options.
std::string generate_man(const CLI::App& app, const std::string& version);
// Completion scripts: subcommands, then each subcommand's options and choices.
std::string generate_bash(const CLI::App& app);
std::string generate_zsh(const CLI::App& app);

}  // namespace mailtls
