// C = A·B with vec4 loads and accumulators: B and C are read and written four columns at a time
// (n is a multiple of 16, so rows are vec4-aligned). Each invocation owns TM rows (strided by
// WG_Y) × TN4 vec4 column groups (strided by WG_X). Constants prepended as in matmul_tiled.wgsl;
// the A tile is matmul_a_tile.wgsl's.

const TILE_M: u32 = WG_Y * TM;
const TILE_N4: u32 = WG_X * TN4; // in vec4 columns
const THREADS: u32 = WG_X * WG_Y;

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> c: array<vec4<i32>>;
@group(0) @binding(3) var<uniform> p: MatmulParams;

var<workgroup> b_tile: array<array<vec4<f32>, TILE_N4>, TK>; // [k][col4]

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let n = p.n;
  let n4 = n / 4u;
  let row0 = wid.y * TILE_M;
  let col0 = wid.x * TILE_N4;
  let tid = lid.y * WG_X + lid.x;
  var acc: array<array<vec4<f32>, TN4>, TM>;
  for (var k0 = 0u; k0 < n; k0 = k0 + TK) {
    load_a_tile(tid, row0, k0, n);
    for (var idx = tid; idx < TILE_N4 * TK; idx = idx + THREADS) {
      let kk = idx / TILE_N4;
      let col = idx % TILE_N4;
      var v = vec4<f32>();
      if (col0 + col < n4) { v = b[(k0 + kk) * n4 + col0 + col]; }
      b_tile[kk][col] = v;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TK; kk = kk + 1u) {
      var bv: array<vec4<f32>, TN4>;
      for (var j = 0u; j < TN4; j = j + 1u) { bv[j] = b_tile[kk][lid.x + WG_X * j]; }
      for (var i = 0u; i < TM; i = i + 1u) {
        let av = a_tile[kk][lid.y + WG_Y * i];
        for (var j = 0u; j < TN4; j = j + 1u) {
          acc[i][j] = fma(vec4<f32>(av), bv[j], acc[i][j]);
        }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < TM; i = i + 1u) {
    let r = row0 + lid.y + WG_Y * i;
    for (var j = 0u; j < TN4; j = j + 1u) {
      let col = col0 + lid.x + WG_X * j;
      if (r < n && col < n4) { c[r * n4 + col] = vec4<i32>(acc[i][j]); }
    }
  }
}
