// One pass of the memory proof over one chunk (docs/memory-proof.md §1):
//   q = h(a[0]) mod R;  out[r][w] = mix(a[w], b[(w + s) mod 64])  with a = self[r], b = other[q].
// Bit-exact twin of src/proofs/memory-spec.ts. One invocation handles four adjacent words (a
// vec4), so 16 invocations cover a row and a workgroup of 64 covers four whole rows.
//
// Two entry points, because WebGPU cannot bind one buffer as read and read_write in the same
// dispatch: `pass_copy` reads `src` and writes `dst` (a different buffer; with C = 1 `src` and
// `other` are the same buffer, bound twice read-only), `pass_inplace` reads and overwrites `io`.

struct PassParams {
  hkey: u32,
  mkey: u32,
  shift: u32, // s_p
  rows: u32,  // R
}

@group(0) @binding(0) var<storage, read> src: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read> other: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read_write> dst: array<vec4<u32>>;
@group(0) @binding(3) var<uniform> pp: PassParams;
@group(0) @binding(4) var<storage, read_write> io: array<vec4<u32>>;

const MIX_GOLDEN: u32 = 0x9e3779b9u;

fn fmix32(x0: u32) -> u32 {
  var x = x0;
  x ^= x >> 16u;
  x *= 0x85ebca6bu;
  x ^= x >> 13u;
  x *= 0xc2b2ae35u;
  x ^= x >> 16u;
  return x;
}

fn fmix32x4(x0: vec4<u32>) -> vec4<u32> {
  var x = x0;
  x ^= x >> vec4<u32>(16u);
  x *= 0x85ebca6bu;
  x ^= x >> vec4<u32>(13u);
  x *= 0xc2b2ae35u;
  x ^= x >> vec4<u32>(16u);
  return x;
}

// Row index of the other row, from word 0 of the own row.
fn other_row(a0: u32) -> u32 {
  return fmix32(a0 ^ pp.hkey) % pp.rows;
}

// Words 4·lane + s .. 4·lane + s + 3 (mod 64) of row q of `other`: two aligned vec4 loads and a
// shift by s mod 4, which is the same for the whole dispatch, so the switch never diverges.
fn other_words(q: u32, lane: u32) -> vec4<u32> {
  let base = q * 16u;
  let j = lane + (pp.shift >> 2u);
  let lo = other[base + (j & 15u)];
  let v = pp.shift & 3u;
  if (v == 0u) {
    return lo;
  }
  let hi = other[base + ((j + 1u) & 15u)];
  switch (v) {
    case 1u: { return vec4<u32>(lo.y, lo.z, lo.w, hi.x); }
    case 2u: { return vec4<u32>(lo.z, lo.w, hi.x, hi.y); }
    default: { return vec4<u32>(lo.w, hi.x, hi.y, hi.z); }
  }
}

fn mix4(a: vec4<u32>, b: vec4<u32>, lane: u32) -> vec4<u32> {
  let w = vec4<u32>(lane * 4u) + vec4<u32>(0u, 1u, 2u, 3u);
  let rb = (b << vec4<u32>(11u)) | (b >> vec4<u32>(21u));
  return fmix32x4(((a ^ vec4<u32>(pp.mkey)) + rb) ^ (w * MIX_GOLDEN));
}

@compute @workgroup_size(64)
fn pass_copy(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (i >= pp.rows * 16u) {
    return;
  }
  let row = i >> 4u;
  let lane = i & 15u;
  let q = other_row(src[row * 16u].x);
  dst[i] = mix4(src[i], other_words(q, lane), lane);
}

// Every invocation of a row reads word 0 of that row, so no word of it may be written before all
// of them have read: a workgroup holds whole rows and writes only after a barrier. The early
// return depends on the workgroup id alone, so the barrier stays in uniform control flow.
@compute @workgroup_size(64)
fn pass_inplace(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32,
                @builtin(num_workgroups) nwg: vec3<u32>) {
  let group = wid.x + wid.y * nwg.x;
  if (group >= pp.rows / 4u) {
    return;
  }
  let i = group * 64u + li;
  let row = i >> 4u;
  let lane = i & 15u;
  let q = other_row(io[row * 16u].x);
  let res = mix4(io[i], other_words(q, lane), lane);
  storageBarrier();
  io[i] = res;
}

// In place with one invocation per row: it reads word 0 and picks the other row before it
// writes anything, and no other invocation touches its row, so no barrier is needed. A CPU
// rasteriser (lavapipe) pays dearly for barriers; a GPU prefers the lane version's coalescing.
@compute @workgroup_size(64)
fn pass_inplace_row(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = gid.x + gid.y * nwg.x * 64u;
  if (row >= pp.rows) {
    return;
  }
  let q = other_row(io[row * 16u].x);
  for (var lane = 0u; lane < 16u; lane = lane + 1u) {
    let i = row * 16u + lane;
    io[i] = mix4(io[i], other_words(q, lane), lane);
  }
}
