#version 450
// A batch gathered by the epoch's order: dst[r, :] = src[order[start + r] - first_row, :] for
// the rows whose source lies in this block [first_row, first_row + block_rows) of the data
// (data larger than one buffer is split in blocks; one dispatch per block).
#include "common.glsl"

layout(local_size_x = 256) in;

layout(push_constant) uniform Push {
  Floats dst;
  Floats src;
  Uints order;
  uint rows, cols;
  uint start;
  uint first_row, block_rows;
} p;

void main() {
  const uint i = flat_index();
  if (i >= p.rows * p.cols) return;
  const uint r = i / p.cols, c = i % p.cols;
  const uint src_row = p.order.v[p.start + r] - p.first_row;  // wraps above block_rows when before the block
  if (src_row < p.block_rows) p.dst.v[i] = p.src.v[src_row * p.cols + c];
}
