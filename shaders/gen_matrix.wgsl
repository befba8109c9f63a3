// Fills an n×n matrix (row-major, f32 holding small integers) from a stream key: entry e is
// gen_entry16 of the e-th u16 of the keystream. One invocation makes one ChaCha block, i.e. 32
// consecutive entries, written as eight vec4. Needs chacha20.wgsl before it.

struct GenParams {
  key0: vec4<u32>,
  key1: vec4<u32>,
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
  let quads = p.count / 4u;
  if (block >= (quads + 7u) / 8u) {
    return;
  }
  let s = chacha20_rows(p.key0, p.key1, block);
  let q = block * 8u;
  var e = array<vec4<f32>, 8>(
    gen_entries4(s.a.x, s.a.y), gen_entries4(s.a.z, s.a.w), gen_entries4(s.b.x, s.b.y), gen_entries4(s.b.z, s.b.w),
    gen_entries4(s.c.x, s.c.y), gen_entries4(s.c.z, s.c.w), gen_entries4(s.d.x, s.d.y), gen_entries4(s.d.z, s.d.w));
  // Only the last block can be cut short (count not a multiple of 32).
  for (var j = 0u; j < 8u && q + j < quads; j = j + 1u) {
    out[q + j] = e[j];
  }
}
