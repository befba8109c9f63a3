// A_{k+1} = fold(C_k): ((x mod 17) + 17) mod 17 - 8, elementwise. WGSL's % on i32 truncates like
// C, hence the +17. C is int32; A is written as f32 holding the small integer.

struct FoldParams {
  count: u32, // entries / 4
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
}

@group(0) @binding(0) var<storage, read> c_in: array<vec4<i32>>;
@group(0) @binding(1) var<storage, read_write> a_out: array<vec4<f32>>;
@group(0) @binding(2) var<uniform> p: FoldParams;

fn fold4(v: vec4<i32>) -> vec4<f32> {
  return vec4<f32>(((v % vec4<i32>(17)) + vec4<i32>(17)) % vec4<i32>(17) - vec4<i32>(8));
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (i >= p.count) {
    return;
  }
  a_out[i] = fold4(c_in[i]);
}
