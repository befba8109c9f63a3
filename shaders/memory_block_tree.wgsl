// Protocol v2: the leaf data of memory block b is the RFC 6962 root over the SHA-256 digests of its
// 64 rows (256 bytes each, words little-endian), so an opening shows one row and its six-hash path
// instead of the whole 16 KiB block. One workgroup a block, one invocation a row; the levels meet
// in workgroup memory. `roots` writes each block's root (the commitment's leaf data); `levels`
// writes every level of each block's tree, packed as MerkleTree.fromLevelBytes reads them (64 leaf
// hashes, then 32, 16, 8, 4, 2 and the root: 127 hashes), for the blocks an opening shows.
// Needs sha256_core.wgsl and merkle_core.wgsl before it.

struct TreeParams {
  blocks: u32, // blocks in `data`
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
}

const LEVEL_HASHES: u32 = 127u;

@group(0) @binding(0) var<storage, read> data: array<u32>;
@group(0) @binding(1) var<storage, read_write> out: array<u32>;
@group(0) @binding(2) var<uniform> tp: TreeParams;

var<workgroup> level: array<array<u32, 8>, 64>;

fn put(at: u32, h: array<u32, 8>) {
  for (var j = 0u; j < 8u; j = j + 1u) {
    out[at * 8u + j] = bswap(h[j]);
  }
}

// Builds block b's tree in `level`; with `store`, every level goes to out[b·127 …].
fn block_tree(b: u32, lid: u32, store: bool) {
  // SHA-256 of row lid: four 64-byte blocks, then the padding block (bit length 2048).
  let base = (b * 64u + lid) * 64u;
  var h = SHA_IV;
  var w: array<u32, 16>;
  for (var blk = 0u; blk < 4u; blk = blk + 1u) {
    for (var j = 0u; j < 16u; j = j + 1u) {
      w[j] = bswap(data[base + blk * 16u + j]);
    }
    compress(&h, &w);
  }
  w = array<u32, 16>(0x80000000u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 2048u);
  compress(&h, &w);
  let leaf = leaf_hash(h);
  level[lid] = leaf;
  if (store) {
    put(b * LEVEL_HASHES + lid, leaf);
  }
  workgroupBarrier();
  // 64 leaves: six full levels, no lone node to carry.
  var first = 64u;
  for (var width = 32u; width > 0u; width = width / 2u) {
    var x: array<u32, 8>;
    if (lid < width) {
      x = node_hash(level[2u * lid], level[2u * lid + 1u]);
    }
    workgroupBarrier();
    if (lid < width) {
      level[lid] = x;
      if (store) {
        put(b * LEVEL_HASHES + first + lid, x);
      }
    }
    first = first + width;
    workgroupBarrier();
  }
}

@compute @workgroup_size(64)
fn roots(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let b = wid.x + wid.y * nwg.x;
  if (b >= tp.blocks) {
    return;
  }
  block_tree(b, lid, false);
  if (lid == 0u) {
    put(b, level[0]);
  }
}

@compute @workgroup_size(64)
fn levels(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let b = wid.x + wid.y * nwg.x;
  if (b >= tp.blocks) {
    return;
  }
  block_tree(b, lid, true);
}
