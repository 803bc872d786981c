// A counting replacement of the global operator new for the "allocates nothing" tests:
// alloc_counter.cpp is linked into the test executables that have such tests. Counting is on
// only while an AllocCount is alive; allocations() reads the total so far.
#pragma once
#include <cstdint>

namespace test_util {

uint64_t allocations();  // operator new calls counted so far (while counting)

// Counts from construction to destruction (not nestable).
struct AllocCount {
  AllocCount();
  ~AllocCount();
  uint64_t since_start() const { return allocations() - start; }
  uint64_t start;
};

}  // namespace test_util
