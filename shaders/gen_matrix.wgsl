// Fills an n×n matrix (row-major, f32 holding small integers) from a stream key: entry e is
// gen_entry(word e). One invocation makes one Threefry block, i.e. four consecutive entries.

struct GenParams {
  key: vec4<u32>,
  count: u32, // entries, a multiple of 4
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
}

@group(0) @binding(0) var<storage, read_write> out: array<vec4<f32>>;
@group(0) @binding(1) var<uniform> p: GenParams;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let block = gid.x + gid.y * nwg.x * 64u;
  if (block >= p.count / 4u) {
    return;
  }
  let w = gen_block(p.key, block, 0u);
  out[block] = vec4<f32>(f32(gen_entry(w.x)), f32(gen_entry(w.y)), f32(gen_entry(w.z)), f32(gen_entry(w.w)));
}
