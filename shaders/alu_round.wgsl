// The integer-throughput proof's round (docs/alu-proof.md §1): the bit-exact twin of
// src/proofs/alu-round.ts. Only u32 add, xor, rotate and 32×32→32 multiply; WGSL's u32 `*` keeps
// the low 32 bits, as the spec requires. Needs chacha20.wgsl before it (lane starts, §2).

struct AluParams {
  key0: vec4<u32>,  // `alu.lane` key words 0..3
  key1: vec4<u32>,  // key words 4..7
  s: u32,           // round constant: word 0 of `alu.round`
  rounds: u32,      // L
  lanes: u32,       // lanes in this dispatch
  lane_base: u32,   // first lane's index
}

fn alu_rotl(x: u32, r: u32) -> u32 {
  return (x << r) | (x >> (32u - r));
}

// Round R_t with k = s + t; every step is invertible given the words it reads.
fn alu_round(x: vec4<u32>, k: u32) -> vec4<u32> {
  let a = (x.x + k) * ((x.w + x.w) ^ 1u);
  let b = alu_rotl(x.y ^ a, 13u);
  let c = (x.z ^ x.w) * ((b + b) ^ 1u);
  let d = alu_rotl(x.w + c, 7u) ^ a;
  return vec4<u32>(a, b, c, d);
}

// Lane i's start: row i mod 4 of block ⌊i/4⌋ of the `alu.lane` stream.
fn alu_lane_start(k0: vec4<u32>, k1: vec4<u32>, lane: u32) -> vec4<u32> {
  let s = chacha20_rows(k0, k1, lane >> 2u);
  switch (lane & 3u) {
    case 0u: { return s.a; }
    case 1u: { return s.b; }
    case 2u: { return s.c; }
    default: { return s.d; }
  }
}

@group(0) @binding(0) var<storage, read_write> alu_out: array<vec4<u32>>;
@group(0) @binding(1) var<uniform> ap: AluParams;

// Invocations a workgroup; the autotuner picks it (docs/alu-proof.md §5).
override WG: u32 = 64u;

fn alu_invocation(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return gid.x + gid.y * nwg.x * WG;
}

fn alu_store(i: u32, x: vec4<u32>) {
  if (i < ap.lanes) {
    alu_out[i] = x;
  }
}

// One lane per invocation, L dependent rounds, the final state written as its four words
// (a, b, c, d). Latency-bound: each round waits on the last; the x2 and x4 kernels interleave.
@compute @workgroup_size(WG)
fn x1(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = alu_invocation(gid, nwg);
  if (i >= ap.lanes) {
    return;
  }
  var x = alu_lane_start(ap.key0, ap.key1, ap.lane_base + i);
  for (var t = 0u; t < ap.rounds; t = t + 1u) {
    x = alu_round(x, ap.s + t);
  }
  alu_out[i] = x;
}

// Two independent lanes (2j, 2j + 1 of the dispatch) per invocation: their rounds have no data
// between them, so the GPU issues one lane's instructions while the other's wait. lane_base is
// even, so a pair never straddles two ChaCha blocks.
@compute @workgroup_size(WG)
fn x2(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let j = alu_invocation(gid, nwg);
  let i = 2u * j;
  if (i >= ap.lanes) {
    return;
  }
  let g = ap.lane_base + i;
  let blk = chacha20_rows(ap.key0, ap.key1, g >> 2u);
  var x = blk.a;
  var y = blk.b;
  if ((g & 2u) != 0u) {
    x = blk.c;
    y = blk.d;
  }
  for (var t = 0u; t < ap.rounds; t = t + 1u) {
    let k = ap.s + t;
    x = alu_round(x, k);
    y = alu_round(y, k);
  }
  alu_store(i, x);
  alu_store(i + 1u, y);
}

// Four independent lanes per invocation: exactly one ChaCha block of starts (lane_base a multiple of 4).
@compute @workgroup_size(WG)
fn x4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let j = alu_invocation(gid, nwg);
  let i = 4u * j;
  if (i >= ap.lanes) {
    return;
  }
  let blk = chacha20_rows(ap.key0, ap.key1, (ap.lane_base + i) >> 2u);
  var x0 = blk.a;
  var x1 = blk.b;
  var x2 = blk.c;
  var x3 = blk.d;
  for (var t = 0u; t < ap.rounds; t = t + 1u) {
    let k = ap.s + t;
    x0 = alu_round(x0, k);
    x1 = alu_round(x1, k);
    x2 = alu_round(x2, k);
    x3 = alu_round(x3, k);
  }
  alu_store(i, x0);
  alu_store(i + 1u, x1);
  alu_store(i + 2u, x2);
  alu_store(i + 3u, x3);
}
