// Protocol v2: the leaf data of memory block b is the RFC 6962 root over the SHA-256 digests of its
// 8 segments (8 rows, 2 KiB each, words little-endian), so an opening shows one 2 KiB segment and
// a three-hash path instead of the whole 16 KiB block, for about 11 % more hashing than one
// digest of the block (8 × 33 compressions, 8 leaf hashes and 7 nodes of two, against 257).
// One invocation a block writes its root (the commitment's leaf data); no barriers.
// Needs sha256_core.wgsl and merkle_core.wgsl before it.

struct TreeParams {
  blocks: u32, // blocks in `data`
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
}

@group(0) @binding(0) var<storage, read> data: array<u32>;
@group(0) @binding(1) var<storage, read_write> out: array<u32>;
@group(0) @binding(2) var<uniform> tp: TreeParams;

fn put(at: u32, h: array<u32, 8>) {
  for (var j = 0u; j < 8u; j = j + 1u) {
    out[at * 8u + j] = bswap(h[j]);
  }
}

// SHA-256 of segment s of block b: 32 message blocks of 64 bytes, then the padding block (bit
// length 16384).
fn segment_digest(b: u32, s: u32) -> array<u32, 8> {
  let base = (b * 8u + s) * 512u;
  var h = SHA_IV;
  var w: array<u32, 16>;
  for (var blk = 0u; blk < 32u; blk = blk + 1u) {
    for (var j = 0u; j < 16u; j = j + 1u) {
      w[j] = bswap(data[base + blk * 16u + j]);
    }
    compress(&h, &w);
  }
  w = array<u32, 16>(0x80000000u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 16384u);
  compress(&h, &w);
  return h;
}

// Block b's root. Leaves merge as a binary counter: after leaf j, one merge per trailing one bit
// of j, so stack level l holds the root of the last complete run of 2^l leaves; after leaf 7,
// level 3 holds the root.
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let b = gid.x + gid.y * nwg.x * 64u;
  if (b >= tp.blocks) {
    return;
  }
  var stack: array<array<u32, 8>, 4>;
  for (var j = 0u; j < 8u; j = j + 1u) {
    var h = leaf_hash(segment_digest(b, j));
    var l = 0u;
    while (((j >> l) & 1u) == 1u) {
      h = node_hash(stack[l], h);
      l = l + 1u;
    }
    stack[l] = h;
  }
  put(b, stack[3]);
}

// The segment digests of the `blocks` blocks in `data` (8 a block, in order): what an opened
// block's tree is built from, so the host hashes 15 small nodes a block instead of 16 KiB.
@compute @workgroup_size(64)
fn segments(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = gid.x + gid.y * nwg.x * 64u;
  if (idx >= tp.blocks * 8u) {
    return;
  }
  put(idx, segment_digest(idx / 8u, idx % 8u));
}
