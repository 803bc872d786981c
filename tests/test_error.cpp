// Tests for error.h: formatting of positions and exit codes.
#include <doctest/doctest.h>

#include "nntrain/core/error.h"

using namespace nntrain;

TEST_CASE("error formats the known parts of its position") {
  CHECK(DataError("bad", {"a.csv", 3, 7}).formatted() == "a.csv:3:7: bad");
  CHECK(DataError("bad", {"a.csv", 3, 0}).formatted() == "a.csv:3: bad");
  CHECK(DataError("bad", {"a.csv"}).formatted() == "a.csv: bad");
  CHECK(DataError("bad").formatted() == "bad");
}

TEST_CASE("each error type carries its SPEC exit code") {
  CHECK(ConfigError("x").exit_code() == 2);
  CHECK(DataError("x").exit_code() == 3);
  CHECK(ModelFileError("x").exit_code() == 4);
  CHECK(DivergedError("x").exit_code() == 1);
}
