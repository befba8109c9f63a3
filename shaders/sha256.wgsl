// SHA-256 (FIPS 180-4) of fixed-length messages made of u32 words, one invocation per message.
// The message bytes are each word's little-endian bytes (an int32 row, a memory block), so a
// word enters the big-endian schedule byte-swapped. Digests are stored byte-swapped too, so the
// output buffer's bytes are the digests' bytes. Needs sha256_core.wgsl before it.

struct ShaParams {
  words: u32,      // words per message, a multiple of 16 (whole 64-byte blocks)
  messages: u32,   // number of messages
  in_offset: u32,  // first word of message 0 in `data`
  stride: u32,     // words between the starts of consecutive messages
}

@group(0) @binding(0) var<storage, read> data: array<u32>;
@group(0) @binding(1) var<storage, read_write> digests: array<u32>;
@group(0) @binding(2) var<uniform> p: ShaParams;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let m = gid.x + gid.y * nwg.x * 64u;
  if (m >= p.messages) {
    return;
  }
  var h = SHA_IV;
  var w: array<u32, 16>;
  let base = p.in_offset + m * p.stride;
  for (var blk = 0u; blk < p.words / 16u; blk = blk + 1u) {
    for (var j = 0u; j < 16u; j = j + 1u) {
      w[j] = bswap(data[base + blk * 16u + j]);
    }
    compress(&h, &w);
  }
  // Padding block: 0x80, zeros, then the bit length (words * 32 < 2^32 for any message here).
  w = array<u32, 16>(0x80000000u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, p.words * 32u);
  compress(&h, &w);
  for (var j = 0u; j < 8u; j = j + 1u) {
    digests[m * 8u + j] = bswap(h[j]);
  }
}
