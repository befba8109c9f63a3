// The A tile shared by the workgroup-tiled kernels (matmul_tiled, matmul_vec4): TILE_M rows of A
// by TK, stored [k][row] so the inner loop reads one k slice. Rows past n load as zero. The
// including kernel declares `a`, TILE_M, TK and THREADS (module scope is order-free in WGSL).

var<workgroup> a_tile: array<array<f32, TILE_M>, TK>; // [k][row]

fn load_a_tile(tid: u32, row0: u32, k0: u32, n: u32) {
  for (var idx = tid; idx < TILE_M * TK; idx = idx + THREADS) {
    let r = idx / TK;
    let kk = idx % TK;
    var v = 0.0;
    if (row0 + r < n) { v = a[(row0 + r) * n + k0 + kk]; }
    a_tile[kk][r] = v;
  }
}
