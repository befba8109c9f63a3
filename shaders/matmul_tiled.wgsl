// C = A·B, small integers in f32, written as i32; exact in any summation order (n·64 < 2^24).
// Tuning constants come from the variant table in src/proofs/matmul-variants.ts, prepended as
// `const` lines: WG_X × WG_Y invocations, each owning TM × TN outputs strided by the workgroup
// size (neighbouring invocations touch neighbouring addresses), K-step TK. The A tile and its
// load are in matmul_a_tile.wgsl.

const TILE_M: u32 = WG_Y * TM;
const TILE_N: u32 = WG_X * TN;
const THREADS: u32 = WG_X * WG_Y;

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<i32>;
@group(0) @binding(3) var<uniform> p: MatmulParams;

var<workgroup> b_tile: array<array<f32, TILE_N>, TK>; // [k][col]

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let n = p.n;
  let row0 = wid.y * TILE_M;
  let col0 = wid.x * TILE_N;
  let tid = lid.y * WG_X + lid.x;
  var acc: array<array<f32, TN>, TM>;
  for (var k0 = 0u; k0 < n; k0 = k0 + TK) {
    load_a_tile(tid, row0, k0, n);
    for (var idx = tid; idx < TILE_N * TK; idx = idx + THREADS) {
      let kk = idx / TILE_N;
      let col = idx % TILE_N;
      var v = 0.0;
      if (col0 + col < n) { v = b[(k0 + kk) * n + col0 + col]; }
      b_tile[kk][col] = v;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TK; kk = kk + 1u) {
      var av: array<f32, TM>;
      var bv: array<f32, TN>;
      for (var i = 0u; i < TM; i = i + 1u) { av[i] = a_tile[kk][lid.y + WG_Y * i]; }
      for (var j = 0u; j < TN; j = j + 1u) { bv[j] = b_tile[kk][lid.x + WG_X * j]; }
      for (var i = 0u; i < TM; i = i + 1u) {
        for (var j = 0u; j < TN; j = j + 1u) {
          acc[i][j] = fma(av[i], bv[j], acc[i][j]);
        }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < TM; i = i + 1u) {
    let r = row0 + lid.y + WG_Y * i;
    for (var j = 0u; j < TN; j = j + 1u) {
      let col = col0 + lid.x + WG_X * j;
      if (r < n && col < n) { c[r * n + col] = i32(acc[i][j]); }
    }
  }
}
