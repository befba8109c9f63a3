// C (n×n, int32, contiguous) from the tensor path's np×np result: a copy of the top-left n×n for
// i32 results, a conversion for f32 ones (exact: every entry is an integer below 2^24).
// Needs matmul_pad first; constant RESULT_F32 (0 or 1) is prepended.

@group(0) @binding(0) var<storage, read> src: array<u32>;
@group(0) @binding(1) var<storage, read_write> dst: array<i32>;
@group(0) @binding(2) var<uniform> p: PadParams;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (i >= p.n * p.n) {
    return;
  }
  let bits = src[(i / p.n) * p.np + i % p.n];
  dst[i] = select(bitcast<i32>(bits), i32(bitcast<f32>(bits)), RESULT_F32 == 1u);
}
