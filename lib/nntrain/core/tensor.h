// Non-owning row-major matrix views. A batch is [rows = samples, cols = features].
// Views never allocate or free; the owner (ParamStore, Network buffers, Dataset) does.
#pragma once
#include <cstddef>

namespace nntrain {

struct Matrix {
  float* data = nullptr;
  size_t rows = 0;
  size_t cols = 0;
  float* row(size_t r) const { return data + r * cols; }
  float& at(size_t r, size_t c) const { return data[r * cols + c]; }
  size_t size() const { return rows * cols; }
};

struct ConstMatrix {
  const float* data = nullptr;
  size_t rows = 0;
  size_t cols = 0;
  ConstMatrix() = default;
  ConstMatrix(const float* d, size_t r, size_t c) : data(d), rows(r), cols(c) {}
  ConstMatrix(const Matrix& m) : data(m.data), rows(m.rows), cols(m.cols) {}  // NOLINT: implicit by design
  const float* row(size_t r) const { return data + r * cols; }
  float at(size_t r, size_t c) const { return data[r * cols + c]; }
  size_t size() const { return rows * cols; }
};

}  // namespace nntrain
