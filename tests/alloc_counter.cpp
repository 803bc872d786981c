// The counting operator new of alloc_counter.h: malloc underneath, one atomic counter.
#include "alloc_counter.h"

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<uint64_t> g_allocations{0};
std::atomic<bool> g_counting{false};
}  // namespace

namespace test_util {
uint64_t allocations() { return g_allocations.load(); }
AllocCount::AllocCount() : start(g_allocations.load()) { g_counting = true; }
AllocCount::~AllocCount() { g_counting = false; }
}  // namespace test_util

void* operator new(std::size_t n) {
  if (g_counting) g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
// GCC 12 sees the library's inlined calls of the standard operator new and calls the free()
// below mismatched (-Wmismatched-new-delete), though every new in the binary is the malloc
// above; the pragma silences that false positive here only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop
