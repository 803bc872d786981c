// NNTRAIN_CLONES: compile a hot elementwise kernel twice, for AVX2 and for the baseline, and
// pick one at load time. Not a vector-math or FMA switch: both clones do the same IEEE
// operations in the same order (the avx2 target does not enable fma), so they give the same bits.
#pragma once

// GCC on x86-64 only: clang 14 (the fuzz build) rejects target_clones on templates, and other
// architectures have no "avx2"; both get the baseline build of the kernel.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define NNTRAIN_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define NNTRAIN_CLONES
#endif
