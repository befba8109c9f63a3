// C = A·B with no workgroup memory and no barriers: each invocation owns TM rows × TN4 vec4
// columns and reads A and B straight from the storage buffers. On a GPU that wastes bandwidth;
// on a CPU rasteriser (lavapipe), where "global" reads are cached anyway and every barrier is a
// context switch, it is the fastest shape. The autotuner decides per adapter.
// Constants WG_X, WG_Y, TM, TN4 are prepended (src/proofs/matmul-variants.ts).

@group(0) @binding(0) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> c: array<vec4<i32>>;
@group(0) @binding(3) var<uniform> p: MatmulParams;

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let n = p.n;
  let n4 = n / 4u;
  let row0 = gid.y * TM;
  let col0 = gid.x * TN4; // in vec4 columns
  if (row0 >= n || col0 >= n4) {
    return;
  }
  var acc: array<array<vec4<f32>, TN4>, TM>;
  for (var k4 = 0u; k4 < n4; k4 = k4 + 1u) {
    var bv: array<array<vec4<f32>, TN4>, 4>;
    for (var kk = 0u; kk < 4u; kk = kk + 1u) {
      for (var j = 0u; j < TN4; j = j + 1u) {
        bv[kk][j] = b[(k4 * 4u + kk) * n4 + col0 + j];
      }
    }
    for (var i = 0u; i < TM; i = i + 1u) {
      let av = a[(row0 + i) * n4 + k4];
      for (var j = 0u; j < TN4; j = j + 1u) {
        acc[i][j] = fma(vec4<f32>(av.x), bv[0][j], acc[i][j]);
        acc[i][j] = fma(vec4<f32>(av.y), bv[1][j], acc[i][j]);
        acc[i][j] = fma(vec4<f32>(av.z), bv[2][j], acc[i][j]);
        acc[i][j] = fma(vec4<f32>(av.w), bv[3][j], acc[i][j]);
      }
    }
  }
  for (var i = 0u; i < TM; i = i + 1u) {
    for (var j = 0u; j < TN4; j = j + 1u) {
      c[(row0 + i) * n4 + col0 + j] = vec4<i32>(acc[i][j]);
    }
  }
}
