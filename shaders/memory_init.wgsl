// X_0 of one chunk of the memory proof (docs/memory-proof.md §1): word (c·R + r)·64 + w of the
// `memory.X0` stream. One invocation makes one Threefry block, i.e. four adjacent words of a row,
// so a row is 16 invocations and the stream's block counter is (global row)·16 + lane.
// Needs threefry.wgsl before it.

struct InitParams {
  key: vec4<u32>,
  row_base: u32, // c·R, the chunk's first global row (C·R ≤ 2^32, so it fits a u32)
  rows: u32,     // R
  _pad0: u32,
  _pad1: u32,
}

@group(0) @binding(0) var<storage, read_write> chunk: array<vec4<u32>>;
@group(0) @binding(1) var<uniform> ip: InitParams;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (i >= ip.rows * 16u) {
    return;
  }
  let g = ip.row_base + (i >> 4u);
  // The 64-bit block counter g·16 + lane, split into words without 64-bit arithmetic.
  let lo = (g << 4u) | (i & 15u);
  let hi = g >> 28u;
  chunk[i] = gen_block(ip.key, lo, hi);
}
