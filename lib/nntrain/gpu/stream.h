// Recording GPU work: a Stream is one command buffer into which any number of dispatches and
// copies are recorded, then submitted at once and waited for once. Consecutive commands are
// dependent by default (a memory barrier separates each from the ones before it), which is
// what a training step is; concurrent() lets the next command overlap the previous ones.
//
//   Stream s(dev);
//   s.dispatch(dev.kernel("scale"), groups_for(n, 256), ScalePush{x.ptr(), n, 2.0f});
//   s.dispatch(...);              // sees the first one's writes
//   s.run();                      // submit + wait
#pragma once
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "nntrain/gpu/buffer.h"
#include "nntrain/gpu/device.h"

namespace nntrain::gpu {

// A dispatch's workgroup counts.
struct Groups {
  uint32_t x = 1, y = 1, z = 1;
};
// Enough workgroups of `per_group` invocations to cover n items, folded into y when x would
// pass 65,535 (the minimum maxComputeWorkGroupCount); shaders take the flat index from
// common.glsl's flat_index().
Groups groups_for(size_t n, uint32_t per_group);
// ceil(a / b)
inline uint32_t div_up(size_t a, size_t b) { return uint32_t((a + b - 1) / b); }

class Stream {
 public:
  explicit Stream(Device& device);
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  Device& device() { return device_; }

  // Records `kernel` over `groups` with push constants `push` (a plain struct laid out as the
  // shader's push_constant block, at most 128 bytes).
  template <class P>
  void dispatch(Kernel kernel, Groups groups, const P& push) {
    static_assert(std::is_trivially_copyable_v<P> && sizeof(P) <= 128, "push constants: a plain struct of <= 128 bytes");
    dispatch_raw(kernel, groups, &push, uint32_t(sizeof(P)));
  }
  void dispatch_raw(Kernel kernel, Groups groups, const void* push, uint32_t bytes);
  // The next command need not wait for the ones recorded since the last barrier: use for
  // independent work (the dW and dx GEMMs of one layer).
  void concurrent() { skip_barrier_ = true; }
  // Buffer to buffer copy; fill writes `value` to every 4-byte word of the range.
  void copy(const Buffer& src, size_t src_offset, const Buffer& dst, size_t dst_offset, size_t bytes);
  void fill(const Buffer& dst, size_t offset, size_t bytes, uint32_t value);
  // Device memory for an op's intermediate results between its own dispatches (the split-K
  // GEMM's partial sums), owned by the stream. Successive calls alternate between two
  // buffers, so an op's scratch survives the next op even when that one is recorded
  // concurrent(); the op itself must separate writing and reading its scratch by a barrier
  // (a dependent dispatch), which also orders it after the op before. Buffers only grow; one
  // replaced while recorded commands may still use it is kept until wait().
  Ptr scratch(size_t bytes);

  // Ends the recording and submits it; the host may record nothing until wait().
  void submit();
  // Waits for the submitted work (a no-op when nothing was submitted); then the stream
  // records anew. Throws ConfigError if the device was lost.
  void wait();
  void run() {
    submit();
    wait();
  }
  bool pending() const { return submitted_; }
  size_t commands() const { return commands_; }  // recorded since the last submit

 private:
  void begin_if_needed();
  void barrier_if_needed();

  Device& device_;
  uint64_t pool_ = 0, cmd_ = 0, fence_ = 0;  // VkCommandPool, VkCommandBuffer, VkFence
  bool recording_ = false, submitted_ = false;
  bool dirty_ = false;        // a command was recorded since the last barrier
  bool skip_barrier_ = false;
  size_t commands_ = 0;
  Buffer scratch_[2];
  int scratch_next_ = 0;
  std::vector<Buffer> retired_;  // replaced scratch buffers, freed by wait()
};

}  // namespace nntrain::gpu
