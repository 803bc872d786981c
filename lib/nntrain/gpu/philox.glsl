// Counter-based dropout draws, bit for bit core/dropout.h's: Philox4x32-10 (Random123's
// philox4x32_R(10, ...)) of counter {row, col, layer, 0} under the batch's 64-bit key; word 0's
// top 24 bits scaled by 2^-24. umulExtended is Philox's mulhilo.
uvec4 philox4x32_10(uvec4 c, uvec2 k) {
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {  // the key is bumped before every round but the first
      k.x += 0x9E3779B9u;
      k.y += 0xBB67AE85u;
    }
    uint hi0, lo0, hi1, lo1;
    umulExtended(0xD2511F53u, c.x, hi0, lo0);
    umulExtended(0xCD9E8D57u, c.z, hi1, lo1);
    c = uvec4(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0);
  }
  return c;
}

float dropout_uniform(uvec2 key, uint row, uint col, uint layer) {
  const uvec4 x = philox4x32_10(uvec4(row, col, layer, 0u), key);
  return float(x.x >> 8) * (1.0 / 16777216.0);
}

// The pre-scaled mask element: scale where the draw is >= p, else 0 (core's dropout_make_mask).
float dropout_mask(uvec2 key, uint row, uint col, uint layer, float p, float scale) {
  return dropout_uniform(key, row, col, layer) >= p ? scale : 0.0;
}
