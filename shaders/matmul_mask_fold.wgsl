// Protocol v2: A_{k+1} = fold(C_k + M_k) elementwise, fold(x) = ((x mod 17) + 17) mod 17 - 8
// (WGSL's % on i32 truncates like C, hence the +17). One invocation per ChaCha20 block of the
// mask stream: 16 words, 32 entries (u16 halves, low half first), mask entry = u16 mod 17.
// C is int32; A is written as f32 holding the small integer. Needs chacha20.wgsl before it.

struct FoldParams {
  blocks: u32, // entries / 32
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
}

@group(0) @binding(0) var<storage, read> c_in: array<vec4<i32>>;
@group(0) @binding(1) var<storage, read_write> a_out: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> mask_key: array<u32, 8>;
@group(0) @binding(3) var<uniform> p: FoldParams;

fn mask4(w0: u32, w1: u32) -> vec4<i32> {
  return vec4<i32>(vec4<u32>(w0 & 0xffffu, w0 >> 16u, w1 & 0xffffu, w1 >> 16u) % vec4<u32>(17u));
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let b = gid.x + gid.y * nwg.x * 64u;
  if (b >= p.blocks) {
    return;
  }
  let s = chacha20_block(mask_key, b);
  for (var q = 0u; q < 8u; q = q + 1u) {
    let at = b * 8u + q;
    let x = c_in[at] + mask4(s[2u * q], s[2u * q + 1u]);
    a_out[at] = vec4<f32>(((x % vec4<i32>(17)) + vec4<i32>(17)) % vec4<i32>(17) - vec4<i32>(8));
  }
}
