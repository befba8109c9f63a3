// Packs an n×n matrix of small integers held as f32 into the operand layout of the tensor path:
// np×np (np ≥ n, zero padded so every subgroup-matrix tile is whole), 32 bits a word holding
// PER_WORD consecutive entries of a row: 4 × i8 (PER_WORD = 4) or 2 × f16 (PER_WORD = 2), lowest
// bits first, which is how the subgroup-matrix loads address 1- and 2-byte elements. Entries are
// in [-8, 8], exact in either format. Needs matmul_pad first; constant PER_WORD is prepended.

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<u32>;
@group(0) @binding(2) var<uniform> p: PadParams;

fn entry(r: u32, c: u32) -> f32 {
  return select(0.0, src[min(r * p.n + c, p.n * p.n - 1u)], r < p.n && c < p.n);
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let words_per_row = p.np / PER_WORD;
  let w = gid.x + gid.y * nwg.x * 64u;
  if (w >= words_per_row * p.np) {
    return;
  }
  let r = w / words_per_row;
  let c = (w % words_per_row) * PER_WORD;
  if (PER_WORD == 4u) {
    var word = 0u;
    for (var j = 0u; j < 4u; j = j + 1u) {
      word = word | ((bitcast<u32>(i32(entry(r, c + j))) & 0xffu) << (8u * j));
    }
    dst[w] = word;
  } else {
    dst[w] = pack2x16float(vec2<f32>(entry(r, c), entry(r, c + 1u)));
  }
}
