// RFC 6962 Merkle levels on the GPU, bit for bit src/proofs/merkle.ts: leaf hashes
// SHA-256(0x00 ‖ d) of 32-byte leaf data, then level by level SHA-256(0x01 ‖ left ‖ right) of each
// pair, a lone last node carried up unchanged. Hashes are stored as their bytes, like sha256.wgsl's
// digests. Needs sha256_core.wgsl before it.

struct MerkleParams {
  count: u32,  // leaves (leaves entry), or nodes in the level below (nodes entry)
  src: u32,    // first word of the level below in `tree` (nodes entry)
  dst: u32,    // first word of the level written in `tree`
  pad: u32,
}

@group(0) @binding(0) var<storage, read> leaf_data: array<u32>;
@group(0) @binding(1) var<storage, read_write> tree: array<u32>;
@group(0) @binding(2) var<uniform> mp: MerkleParams;

// A one-byte prefix shifts the data by a byte: big-endian message word j is the last byte of data
// word j - 1 (the prefix itself for j = 0) followed by the first three bytes of data word j.
fn shifted(prev: u32, cur: u32) -> u32 {
  return (prev << 24u) | (cur >> 8u);
}

fn store_hash(h: array<u32, 8>, at: u32) {
  for (var j = 0u; j < 8u; j = j + 1u) {
    tree[at + j] = bswap(h[j]);
  }
}

@compute @workgroup_size(64)
fn leaves(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (i >= mp.count) {
    return;
  }
  var d: array<u32, 8>;
  for (var j = 0u; j < 8u; j = j + 1u) {
    d[j] = bswap(leaf_data[i * 8u + j]);
  }
  // 33 bytes in one block: 0x00 ‖ d, then 0x80, zeros and the length in bits (264).
  var w: array<u32, 16>;
  w[0] = shifted(0x00u, d[0]);
  for (var j = 1u; j < 8u; j = j + 1u) {
    w[j] = shifted(d[j - 1u], d[j]);
  }
  w[8] = (d[7] << 24u) | 0x00800000u;
  w[15] = 264u;
  var h = SHA_IV;
  compress(&h, &w);
  store_hash(h, mp.dst + i * 8u);
}

@compute @workgroup_size(64)
fn nodes(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (i >= (mp.count + 1u) / 2u) {
    return;
  }
  let left = mp.src + i * 16u;
  if (2u * i + 1u >= mp.count) {
    for (var j = 0u; j < 8u; j = j + 1u) {
      tree[mp.dst + i * 8u + j] = tree[left + j];
    }
    return;
  }
  var d: array<u32, 16>;
  for (var j = 0u; j < 16u; j = j + 1u) {
    d[j] = bswap(tree[left + j]);
  }
  // 65 bytes in two blocks: 0x01 ‖ left ‖ right[0..31), then right's last byte, 0x80, zeros and
  // the length in bits (520).
  var w: array<u32, 16>;
  w[0] = shifted(0x01u, d[0]);
  for (var j = 1u; j < 16u; j = j + 1u) {
    w[j] = shifted(d[j - 1u], d[j]);
  }
  var h = SHA_IV;
  compress(&h, &w);
  w = array<u32, 16>((d[15] << 24u) | 0x00800000u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 520u);
  compress(&h, &w);
  store_hash(h, mp.dst + i * 8u);
}
