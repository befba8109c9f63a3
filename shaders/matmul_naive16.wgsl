// The textbook 16×16 shared-memory tiled kernel, one output per invocation: the baseline the
// tuned variants are measured against (bench/ and the autotuner), not a production path.

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<i32>;
@group(0) @binding(3) var<uniform> p: MatmulParams;

var<workgroup> a_tile: array<array<f32, 16>, 16>;
var<workgroup> b_tile: array<array<f32, 16>, 16>;

@compute @workgroup_size(16, 16)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let n = p.n;
  let r = wid.y * 16u + lid.y;
  let col = wid.x * 16u + lid.x;
  var acc = 0.0;
  for (var k0 = 0u; k0 < n; k0 = k0 + 16u) {
    a_tile[lid.y][lid.x] = a[r * n + k0 + lid.x];
    b_tile[lid.y][lid.x] = b[(k0 + lid.y) * n + col];
    workgroupBarrier();
    for (var kk = 0u; kk < 16u; kk = kk + 1u) {
      acc = fma(a_tile[lid.y][kk], b_tile[kk][lid.x], acc);
    }
    workgroupBarrier();
  }
  c[r * n + col] = i32(acc);
}
