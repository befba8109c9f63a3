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

// The plain kernel: one lane per invocation, L dependent rounds, the final state written as its
// four words (a, b, c, d). Latency-bound; the proof's kernels interleave lanes.
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (i >= ap.lanes) {
    return;
  }
  var x = alu_lane_start(ap.key0, ap.key1, ap.lane_base + i);
  for (var t = 0u; t < ap.rounds; t = t + 1u) {
    x = alu_round(x, ap.s + t);
  }
  alu_out[i] = x;
}
