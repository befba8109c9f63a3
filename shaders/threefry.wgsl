// Threefry-4x32-20 (Salmon et al., Random123), bit-exact twin of src/proofs/threefry.ts.
// Spec: docs/generator.md. Only 32-bit add, rotate and xor, so every GPU computes the same bits.

const THREEFRY_PARITY: u32 = 0x1BD11BDAu;

fn tf_rotl(x: u32, r: u32) -> u32 {
  return (x << r) | (x >> (32u - r));
}

// Rotation constants R_32x4 for rounds i mod 8.
fn tf_rot(i: u32) -> vec2<u32> {
  switch (i & 7u) {
    case 0u: { return vec2<u32>(10u, 26u); }
    case 1u: { return vec2<u32>(11u, 21u); }
    case 2u: { return vec2<u32>(13u, 27u); }
    case 3u: { return vec2<u32>(23u, 5u); }
    case 4u: { return vec2<u32>(6u, 20u); }
    case 5u: { return vec2<u32>(17u, 11u); }
    case 6u: { return vec2<u32>(25u, 10u); }
    default: { return vec2<u32>(18u, 20u); }
  }
}

fn threefry4x32_20(key: vec4<u32>, ctr: vec4<u32>) -> vec4<u32> {
  var ks = array<u32, 5>(key.x, key.y, key.z, key.w, THREEFRY_PARITY ^ key.x ^ key.y ^ key.z ^ key.w);
  var x = ctr + key;
  for (var i = 0u; i < 20u; i = i + 1u) {
    let r = tf_rot(i);
    if ((i & 1u) == 0u) {
      x.x = x.x + x.y; x.y = tf_rotl(x.y, r.x) ^ x.x;
      x.z = x.z + x.w; x.w = tf_rotl(x.w, r.y) ^ x.z;
    } else {
      x.x = x.x + x.w; x.w = tf_rotl(x.w, r.x) ^ x.x;
      x.z = x.z + x.y; x.y = tf_rotl(x.y, r.y) ^ x.z;
    }
    if ((i & 3u) == 3u) {
      let s = (i + 1u) >> 2u;
      x.x = x.x + ks[s % 5u];
      x.y = x.y + ks[(s + 1u) % 5u];
      x.z = x.z + ks[(s + 2u) % 5u];
      x.w = x.w + ks[(s + 3u) % 5u] + s;
    }
  }
  return x;
}

// The four words of block `block` (a 64-bit counter as lo, hi): words 4*block .. 4*block+3.
fn gen_block(key: vec4<u32>, block_lo: u32, block_hi: u32) -> vec4<u32> {
  return threefry4x32_20(key, vec4<u32>(block_lo, block_hi, 0u, 0u));
}

// A matrix entry in [-8, 8] from a generator word.
fn gen_entry(w: u32) -> i32 {
  return i32(w % 17u) - 8;
}
