// RFC 6962 hashing of 32-byte values held as eight big-endian words (SHA-256 state words), shared
// by merkle.wgsl and memory_block_tree.wgsl. Needs sha256_core.wgsl before it.

// A one-byte prefix shifts the data by a byte: big-endian message word j is the last byte of data
// word j - 1 (the prefix itself for j = 0) followed by the first three bytes of data word j.
fn shifted(prev: u32, cur: u32) -> u32 {
  return (prev << 24u) | (cur >> 8u);
}

// SHA-256(0x00 ‖ d): 33 bytes in one block, then 0x80, zeros and the length in bits (264).
fn leaf_hash(d: array<u32, 8>) -> array<u32, 8> {
  var w: array<u32, 16>;
  w[0] = shifted(0x00u, d[0]);
  for (var j = 1u; j < 8u; j = j + 1u) {
    w[j] = shifted(d[j - 1u], d[j]);
  }
  w[8] = (d[7] << 24u) | 0x00800000u;
  w[15] = 264u;
  var h = SHA_IV;
  compress(&h, &w);
  return h;
}

// SHA-256(0x00 ‖ d) of 16-byte data (an integer-proof lane result): 17 bytes in one block, length 136 bits.
fn leaf_hash16(d: vec4<u32>) -> array<u32, 8> {
  var w: array<u32, 16>;
  w[0] = shifted(0x00u, d.x);
  w[1] = shifted(d.x, d.y);
  w[2] = shifted(d.y, d.z);
  w[3] = shifted(d.z, d.w);
  w[4] = (d.w << 24u) | 0x00800000u;
  w[15] = 136u;
  var h = SHA_IV;
  compress(&h, &w);
  return h;
}

// SHA-256(0x01 ‖ left ‖ right): 65 bytes in two blocks, the second holding right's last byte,
// 0x80, zeros and the length in bits (520).
fn node_hash(l: array<u32, 8>, r: array<u32, 8>) -> array<u32, 8> {
  var w: array<u32, 16>;
  w[0] = shifted(0x01u, l[0]);
  for (var j = 1u; j < 8u; j = j + 1u) {
    w[j] = shifted(l[j - 1u], l[j]);
  }
  w[8] = shifted(l[7], r[0]);
  for (var j = 1u; j < 8u; j = j + 1u) {
    w[8u + j] = shifted(r[j - 1u], r[j]);
  }
  var h = SHA_IV;
  compress(&h, &w);
  w = array<u32, 16>((r[7] << 24u) | 0x00800000u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 520u);
  compress(&h, &w);
  return h;
}
