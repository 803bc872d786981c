// Included by every shader: the buffer-reference types (tensors arrive as 64-bit device
// addresses in push constants, see buffer.h) and the flat invocation index of groups_for().
#extension GL_EXT_buffer_reference : require

layout(buffer_reference, std430, buffer_reference_align = 4) buffer Floats { float v[]; };
layout(buffer_reference, std430, buffer_reference_align = 4) buffer Uints { uint v[]; };

// The invocation's index over a dispatch of groups_for(n, gl_WorkGroupSize.x) (x folded into
// y). A macro, not a function: gl_WorkGroupSize is only known after the shader's
// local_size layout, which comes after this include.
#define flat_index() ((gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * gl_WorkGroupSize.x + gl_LocalInvocationID.x)

// Whether v is NaN or infinite, from its bits (immune to fast-math folding of isnan/isinf).
bool not_finite(float v) { return (floatBitsToUint(v) & 0x7f800000u) == 0x7f800000u; }
