// C = A·B sharing A through subgroup shuffles: a workgroup is one row of 64 invocations, so every
// lane of a subgroup (8 to 64 wide) works on the same TM rows. Each lane loads TM vec4 of A for
// its own k-slot, and the subgroup passes them round with subgroupShuffle instead of every lane
// loading all of them (a GPU saves S× the A loads; on lavapipe it is a tuning candidate like any
// other). Each lane owns TN4 vec4 columns. Needs the `subgroups` feature; exact like the others.
// Constants TM, TN4 are prepended (src/proofs/matmul-variants.ts).
enable subgroups;

@group(0) @binding(0) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> c: array<vec4<i32>>;
@group(0) @binding(3) var<uniform> p: MatmulParams;

@compute @workgroup_size(64, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(subgroup_invocation_id) lane: u32,
        @builtin(subgroup_size) sg: u32) {
  let n = p.n;
  let n4 = n / 4u;
  let row0 = gid.y * TM;
  let col0 = gid.x * TN4;
  // Out-of-range lanes still take part in the shuffles (uniform control flow); they only skip
  // their loads of B and their stores.
  let live = col0 < n4;
  var acc: array<array<vec4<f32>, TN4>, TM>;
  for (var kb = 0u; kb < n4; kb = kb + sg) {
    var mine: array<vec4<f32>, TM>;
    let k4 = kb + lane;
    for (var i = 0u; i < TM; i = i + 1u) {
      mine[i] = select(vec4<f32>(), a[(row0 + i) * n4 + min(k4, n4 - 1u)], k4 < n4);
    }
    let count = min(sg, n4 - kb);
    for (var j = 0u; j < count; j = j + 1u) {
      let kq = kb + j;
      var bv: array<array<vec4<f32>, TN4>, 4>;
      for (var kk = 0u; kk < 4u; kk = kk + 1u) {
        for (var t = 0u; t < TN4; t = t + 1u) {
          bv[kk][t] = select(vec4<f32>(), b[(kq * 4u + kk) * n4 + min(col0 + t, n4 - 1u)], live);
        }
      }
      for (var i = 0u; i < TM; i = i + 1u) {
        let av = subgroupShuffle(mine[i], j);
        for (var t = 0u; t < TN4; t = t + 1u) {
          acc[i][t] = fma(vec4<f32>(av.x), bv[0][t], acc[i][t]);
          acc[i][t] = fma(vec4<f32>(av.y), bv[1][t], acc[i][t]);
          acc[i][t] = fma(vec4<f32>(av.z), bv[2][t], acc[i][t]);
          acc[i][t] = fma(vec4<f32>(av.w), bv[3][t], acc[i][t]);
        }
      }
    }
  }
  if (live) {
    for (var i = 0u; i < TM; i = i + 1u) {
      for (var t = 0u; t < TN4; t = t + 1u) {
        c[(row0 + i) * n4 + col0 + t] = vec4<i32>(acc[i][t]);
      }
    }
  }
}
