// Protocol v2: the key of mask M_k, SHA-256(domain ‖ seed ‖ u32le(n) ‖ u32le(K) ‖ u32le(k) ‖ L_k),
// computed on the GPU from the layer tree just built, so layer k + 1 never waits on the host. The
// host writes the padded message with zeros where L_k goes (src/proofs/matmul-mask.ts,
// maskKeyTemplate); one invocation ORs the root's bytes in and runs the two compressions.
// Needs sha256_core.wgsl before it.

struct KeyParams {
  msg: array<vec4<u32>, 8>, // the 128-byte message as big-endian words
  root_word: u32,           // first word of L_k in `layer_tree` (hash bytes stored in order)
  root_byte: u32,           // byte offset of L_k in the message
  _pad0: u32,
  _pad1: u32,
}

@group(0) @binding(0) var<storage, read> layer_tree: array<u32>;
@group(0) @binding(1) var<storage, read_write> key_out: array<u32, 8>;
@group(0) @binding(2) var<uniform> kp: KeyParams;

@compute @workgroup_size(1)
fn main() {
  var m: array<u32, 32>;
  for (var j = 0u; j < 8u; j = j + 1u) {
    let v = kp.msg[j];
    m[4u * j] = v.x; m[4u * j + 1u] = v.y; m[4u * j + 2u] = v.z; m[4u * j + 3u] = v.w;
  }
  for (var b = 0u; b < 32u; b = b + 1u) {
    let byte = (layer_tree[kp.root_word + b / 4u] >> (8u * (b % 4u))) & 0xffu;
    let p = kp.root_byte + b;
    m[p / 4u] = m[p / 4u] | (byte << (24u - 8u * (p % 4u)));
  }
  var h = SHA_IV;
  var w: array<u32, 16>;
  for (var j = 0u; j < 16u; j = j + 1u) { w[j] = m[j]; }
  compress(&h, &w);
  for (var j = 0u; j < 16u; j = j + 1u) { w[j] = m[16u + j]; }
  compress(&h, &w);
  // The ChaCha20 key is the digest's bytes read as little-endian words.
  for (var j = 0u; j < 8u; j = j + 1u) { key_out[j] = bswap(h[j]); }
}
