// Tests for dropout.h: Philox4x32-10 against Random123's known answers, masks against an
// independent Python implementation (fixtures/make_dropout_masks.py), inverted scaling, keep
// rate, determinism from the key, a shard's rows equal to the whole batch's, and the gradient
// check with a frozen mask.
#include <doctest/doctest.h>

#include <vector>

#include "gradcheck.h"
#include "nntrain/core/dropout.h"

using namespace nntrain;

TEST_CASE("philox4x32_10 gives Random123's published known answers (kat_vectors)") {
  using W = std::array<uint32_t, 4>;
  CHECK(philox4x32_10({0, 0, 0, 0}, {0, 0}) == W{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8});
  CHECK(philox4x32_10({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff}) ==
        W{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd});
  CHECK(philox4x32_10({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0}) ==
        W{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1});
}

TEST_CASE("masks match the Python reference (fixtures/make_dropout_masks.py)") {
  const uint64_t key = 0x0123456789abcdefULL;
  // key 0x0123456789abcdef, layer 2, p = 0.3, [6, 7]: 1 = kept
  const int kept[6 * 7] = {
      1, 1, 0, 1, 1, 0, 1,
      1, 1, 1, 1, 1, 1, 1,
      1, 1, 1, 0, 0, 0, 1,
      1, 1, 1, 0, 1, 0, 1,
      1, 0, 1, 1, 0, 1, 1,
      1, 1, 1, 0, 1, 0, 1,
  };
  std::vector<float> m(6 * 7);
  dropout_make_mask<float>(m.data(), 0, 6, 7, 2, 0.3, key);
  for (size_t i = 0; i < m.size(); ++i) {
    CAPTURE(i);
    CHECK(m[i] == (kept[i] ? float(1.0 / 0.7) : 0.0f));
  }
  // word 0 of philox4x32_10({5, 3, 1, 0}, key): 0xc3339bbd
  CHECK(dropout_uniform(key, 5, 3, 1) == float(0xc3339bbdu >> 8) * 0x1p-24f);
}

TEST_CASE("mask is 0 or 1/(1-p) with keep rate 1-p, the same for the same key, another for another key") {
  const size_t rows = 400, cols = 250;
  std::vector<float> m(rows * cols), m2(rows * cols), other(rows * cols);
  dropout_make_mask<float>(m.data(), 0, rows, cols, 0, 0.25, 5);
  dropout_make_mask<float>(m2.data(), 0, rows, cols, 0, 0.25, 5);
  CHECK(m == m2);
  size_t kept = 0, bad = 0;
  for (float v : m) {
    bad += !(v == 0.0f || v == float(1.0 / 0.75));
    kept += v != 0.0f;
  }
  CHECK(bad == 0);
  CHECK(double(kept) / double(m.size()) == doctest::Approx(0.75).epsilon(0.01));
  dropout_make_mask<float>(other.data(), 0, rows, cols, 0, 0.25, 6);
  CHECK(other != m);
  dropout_make_mask<float>(other.data(), 0, rows, cols, 1, 0.25, 5);  // another layer
  CHECK(other != m);
  dropout_make_mask<float>(m.data(), 0, 2, 5, 0, 0.0, 5);
  for (size_t i = 0; i < 10; ++i) CHECK(m[i] == 1.0f);
  dropout_make_mask<float>(m.data(), 0, 2, 5, 0, 1.0, 5);
  for (size_t i = 0; i < 10; ++i) CHECK(m[i] == 0.0f);
}

TEST_CASE("a shard's mask is its rows of the whole batch's mask") {
  const size_t rows = 13, cols = 9;
  std::vector<double> whole(rows * cols), shard(5 * cols);
  dropout_make_mask<double>(whole.data(), 0, rows, cols, 3, 0.5, 77);
  dropout_make_mask<double>(shard.data(), 6, 5, cols, 3, 0.5, 77);
  CHECK(std::equal(shard.begin(), shard.end(), whole.begin() + 6 * cols));
}

TEST_CASE("dropout forward/backward multiply by the mask; gradient check with a frozen mask") {
  const size_t n = 12;
  std::vector<double> mask(n);
  dropout_make_mask<double>(mask.data(), 0, 3, 4, 0, 0.5, 3);
  size_t dropped = 0;
  for (double v : mask) dropped += v == 0.0;
  CHECK(dropped > 0);  // the check below covers both kinds of element
  CHECK(dropped < n);
  auto x = gradcheck::random_vector(n, 4);
  const auto r = gradcheck::random_vector(n, 5);
  std::vector<double> y(n), dx(n);
  auto scalar = [&] {
    dropout_forward<double>(y.data(), x.data(), mask.data(), n);
    return gradcheck::dot(y.data(), r.data(), n);
  };
  scalar();
  for (size_t i = 0; i < n; ++i) CHECK(y[i] == (mask[i] == 0 ? 0.0 : 2.0 * x[i]));
  dropout_backward<double>(dx.data(), r.data(), mask.data(), n);
  CHECK(gradcheck::max_error(gradcheck::check(scalar, {{"x", x.data(), n, dx.data()}})) < gradcheck::kTolerance);
}
