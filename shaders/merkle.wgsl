// RFC 6962 Merkle levels on the GPU, bit for bit src/proofs/merkle.ts: leaf hashes
// SHA-256(0x00 ‖ d) of 32-byte leaf data (16-byte data: leaves16), then level by level SHA-256(0x01 ‖ left ‖ right) of each
// pair, a lone last node carried up unchanged. Hashes are stored as their bytes, like sha256.wgsl's
// digests. Needs sha256_core.wgsl and merkle_core.wgsl before it.

struct MerkleParams {
  count: u32,  // leaves (leaves entry), or nodes in the level below (nodes entry)
  src: u32,    // first word of the level below in `tree` (nodes entry)
  dst: u32,    // first word of the level written in `tree`
  pad: u32,
}

@group(0) @binding(0) var<storage, read> leaf_data: array<u32>;
@group(0) @binding(1) var<storage, read_write> tree: array<u32>;
@group(0) @binding(2) var<uniform> mp: MerkleParams;

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
  let h = leaf_hash(d);
  store_hash(h, mp.dst + i * 8u);
}

// Leaves of 16-byte data (four words each): the integer proof's lane results.
@compute @workgroup_size(64)
fn leaves16(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (i >= mp.count) {
    return;
  }
  let d = vec4<u32>(bswap(leaf_data[i * 4u]), bswap(leaf_data[i * 4u + 1u]), bswap(leaf_data[i * 4u + 2u]), bswap(leaf_data[i * 4u + 3u]));
  store_hash(leaf_hash16(d), mp.dst + i * 8u);
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
  var l: array<u32, 8>;
  var r: array<u32, 8>;
  for (var j = 0u; j < 8u; j = j + 1u) {
    l[j] = bswap(tree[left + j]);
    r[j] = bswap(tree[left + 8u + j]);
  }
  let h = node_hash(l, r);
  store_hash(h, mp.dst + i * 8u);
}
