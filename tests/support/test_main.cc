// The Catch2 runner for every unit and golden test in this directory.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
