// X_0 of one chunk of the memory proof (docs/memory-proof.md §1.2): word (c·R + r)·64 + w of the
// `memory.X0` stream. A row is four ChaCha blocks; one invocation makes one block, i.e. 16 adjacent
// words, so the chunk's block i is stream block 4·c·R + i (C·R ≤ 2^30, so it fits a u32).
// Needs chacha20.wgsl before it.

struct InitParams {
  key0: vec4<u32>,
  key1: vec4<u32>,
  block_base: u32, // 4·c·R, the chunk's first stream block
  blocks: u32,     // 4·R
  _pad0: u32,
  _pad1: u32,
}

@group(0) @binding(0) var<storage, read_write> chunk: array<vec4<u32>>;
@group(0) @binding(1) var<uniform> ip: InitParams;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (i >= ip.blocks) {
    return;
  }
  let s = chacha20_rows(ip.key0, ip.key1, ip.block_base + i);
  chunk[4u * i] = s.a;
  chunk[4u * i + 1u] = s.b;
  chunk[4u * i + 2u] = s.c;
  chunk[4u * i + 3u] = s.d;
}
