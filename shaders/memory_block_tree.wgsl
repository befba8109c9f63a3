// Protocol v2: the leaf data of memory block b is the RFC 6962 root over the SHA-256 digests of its
// 64 rows (256 bytes each, words little-endian), so an opening shows one row and its six-hash path
// instead of the whole 16 KiB block. `roots` writes each block's root (the commitment's leaf
// data), one invocation a block; `levels` writes every level of each block's tree (one workgroup
// a block, one invocation a row, the levels meeting in workgroup memory), packed as
// MerkleTree.fromLevelBytes reads them (64 leaf hashes, then 32, 16, 8, 4, 2 and the root: 127
// hashes), for the blocks an opening shows.
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

// SHA-256 of row `row` of block b: four 64-byte blocks, then the padding block (bit length 2048).
fn row_digest(b: u32, row: u32) -> array<u32, 8> {
  let base = (b * 64u + row) * 64u;
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
  return h;
}

// Builds block b's tree in `level`, one invocation a row; with `store`, every level goes to
// out[b·127 …].
fn block_tree(b: u32, lid: u32, store: bool) {
  let leaf = leaf_hash(row_digest(b, lid));
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

// The commitment's leaves: one invocation a block, no barriers (CPU rasterisers run workgroup
// barriers slowly, and the whole of X_P passes through here inside the observed window). The
// leaves merge as a binary counter: after leaf j, one merge per trailing one bit of j, so stack
// level l holds the root of the last complete run of 2^l leaves, and after leaf 63 level 6 holds
// the block's root.
@compute @workgroup_size(64)
fn roots(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let b = gid.x + gid.y * nwg.x * 64u;
  if (b >= tp.blocks) {
    return;
  }
  var stack: array<array<u32, 8>, 7>;
  for (var j = 0u; j < 64u; j = j + 1u) {
    var h = leaf_hash(row_digest(b, j));
    var l = 0u;
    while (((j >> l) & 1u) == 1u) {
      h = node_hash(stack[l], h);
      l = l + 1u;
    }
    stack[l] = h;
  }
  put(b, stack[6]);
}

@compute @workgroup_size(64)
fn levels(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let b = wid.x + wid.y * nwg.x;
  if (b >= tp.blocks) {
    return;
  }
  block_tree(b, lid, true);
}
