// C = A·B for n×n matrices of small integers held in f32, written as i32. Every partial sum is an
// integer below 2^24 in magnitude (n·64 < 2^24), so f32 accumulation is exact in any order.
// 64×64 output tile per workgroup, 16×16 invocations, 4×4 accumulators each, K-step 16; each
// invocation owns rows ty + 16i and columns tx + 16j so neighbours touch neighbouring addresses.

struct MatmulParams {
  n: u32,
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
}

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<i32>;
@group(0) @binding(3) var<uniform> p: MatmulParams;

var<workgroup> a_tile: array<array<f32, 64>, 16>; // [k][row]
var<workgroup> b_tile: array<array<f32, 64>, 16>; // [k][col]

@compute @workgroup_size(16, 16)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let n = p.n;
  let row0 = wid.y * 64u;
  let col0 = wid.x * 64u;
  let tid = lid.y * 16u + lid.x;
  var acc: array<array<f32, 4>, 4>;
  for (var k0 = 0u; k0 < n; k0 = k0 + 16u) {
    for (var l = 0u; l < 4u; l = l + 1u) {
      let idx = tid + l * 256u;
      let ar = idx / 16u;
      let ak = idx % 16u;
      var av = 0.0;
      if (row0 + ar < n) { av = a[(row0 + ar) * n + k0 + ak]; }
      a_tile[ak][ar] = av;
      let bk = idx / 64u;
      let bc = idx % 64u;
      var bv = 0.0;
      if (col0 + bc < n) { bv = b[(k0 + bk) * n + col0 + bc]; }
      b_tile[bk][bc] = bv;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < 16u; kk = kk + 1u) {
      var av: array<f32, 4>;
      var bv: array<f32, 4>;
      for (var i = 0u; i < 4u; i = i + 1u) {
        av[i] = a_tile[kk][lid.y + 16u * i];
        bv[i] = b_tile[kk][lid.x + 16u * i];
      }
      for (var i = 0u; i < 4u; i = i + 1u) {
        for (var j = 0u; j < 4u; j = j + 1u) {
          acc[i][j] = fma(av[i], bv[j], acc[i][j]);
        }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i = i + 1u) {
    let r = row0 + lid.y + 16u * i;
    for (var j = 0u; j < 4u; j = j + 1u) {
      let col = col0 + lid.x + 16u * j;
      if (r < n && col < n) {
        c[r * n + col] = i32(acc[i][j]);
      }
    }
  }
}
