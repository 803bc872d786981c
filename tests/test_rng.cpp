// Tests for rng.h: determinism, state round trip, ranges and rough moments.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "nntrain/core/rng.h"

using namespace nntrain;

TEST_CASE("same seed, same stream; different seed, different stream") {
  Rng a(7), b(7), c(8);
  for (int i = 0; i < 100; ++i) {
    const uint64_t x = a.next_u64();
    CHECK(x == b.next_u64());
    if (i == 0) CHECK(x != c.next_u64());
  }
}

TEST_CASE("state round trip resumes the stream exactly") {
  Rng a(1);
  for (int i = 0; i < 10; ++i) a.next_u64();
  Rng b(999);
  b.set_state(a.state());
  for (int i = 0; i < 10; ++i) CHECK(a.next_u64() == b.next_u64());
}

TEST_CASE("uniform, below and normal stay in range with sane moments") {
  Rng r(3);
  double sum = 0, sum2 = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const float u = r.uniform_float();
    REQUIRE(u >= 0.0f);
    REQUIRE(u < 1.0f);
    REQUIRE(r.below(10) < 10);
    const double z = r.normal();
    sum += z;
    sum2 += z * z;
  }
  CHECK(std::fabs(sum / n) < 0.01);
  CHECK(std::fabs(sum2 / n - 1.0) < 0.02);
}

TEST_CASE("shuffle is a permutation") {
  Rng r(5);
  std::vector<int> v(100);
  for (int i = 0; i < 100; ++i) v[i] = i;
  r.shuffle(v.data(), v.size());
  std::vector<int> seen(100, 0);
  for (int x : v) seen[x]++;
  for (int s : seen) CHECK(s == 1);
  bool moved = false;
  for (int i = 0; i < 100; ++i) moved |= v[i] != i;
  CHECK(moved);
}
