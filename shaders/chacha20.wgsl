// ChaCha20's block function (RFC 8439 §2.3), nonce zero for every stream: the bit-exact twin of
// src/proofs/chacha20.ts and of node:crypto's keystream. Spec: docs/generator.md. Only 32-bit add,
// xor and rotate, so every GPU computes the same bits. The state is four rows of four words;
// a column round is one quarter-round on the rows as vectors, a diagonal round the same after
// rotating rows b, c, d by one, two and three lanes (the usual SIMD form of ChaCha).

struct ChaChaRows {
  a: vec4<u32>, // output words 0..3
  b: vec4<u32>, // 4..7
  c: vec4<u32>, // 8..11
  d: vec4<u32>, // 12..15
}

fn cc_rotl(v: vec4<u32>, r: u32) -> vec4<u32> {
  return (v << vec4<u32>(r)) | (v >> vec4<u32>(32u - r));
}

fn cc_quarter(s: ChaChaRows) -> ChaChaRows {
  var a = s.a;
  var b = s.b;
  var c = s.c;
  var d = s.d;
  a = a + b; d = cc_rotl(d ^ a, 16u);
  c = c + d; b = cc_rotl(b ^ c, 12u);
  a = a + b; d = cc_rotl(d ^ a, 8u);
  c = c + d; b = cc_rotl(b ^ c, 7u);
  return ChaChaRows(a, b, c, d);
}

// The block for key words k0 (key words 0..3) and k1 (4..7) and state row d = (counter, nonce).
fn chacha20_state(k0: vec4<u32>, k1: vec4<u32>, d: vec4<u32>) -> ChaChaRows {
  let init = ChaChaRows(vec4<u32>(0x61707865u, 0x3320646eu, 0x79622d32u, 0x6b206574u), k0, k1, d);
  var s = init;
  for (var i = 0u; i < 10u; i = i + 1u) {
    s = cc_quarter(s);
    let t = cc_quarter(ChaChaRows(s.a, s.b.yzwx, s.c.zwxy, s.d.wxyz));
    s = ChaChaRows(t.a, t.b.wxyz, t.c.zwxy, t.d.yzwx);
  }
  return ChaChaRows(s.a + init.a, s.b + init.b, s.c + init.c, s.d + init.d);
}

// Block `counter` of a stream (nonce zero), as four rows of output words.
fn chacha20_rows(k0: vec4<u32>, k1: vec4<u32>, counter: u32) -> ChaChaRows {
  return chacha20_state(k0, k1, vec4<u32>(counter, 0u, 0u, 0u));
}

// The 16 output words in RFC 8439's serialized order.
fn chacha20_words(s: ChaChaRows) -> array<u32, 16> {
  return array<u32, 16>(s.a.x, s.a.y, s.a.z, s.a.w, s.b.x, s.b.y, s.b.z, s.b.w,
                        s.c.x, s.c.y, s.c.z, s.c.w, s.d.x, s.d.y, s.d.z, s.d.w);
}

fn chacha20_block(key: array<u32, 8>, counter: u32) -> array<u32, 16> {
  return chacha20_words(chacha20_rows(vec4<u32>(key[0], key[1], key[2], key[3]), vec4<u32>(key[4], key[5], key[6], key[7]), counter));
}

// A matrix entry in [-8, 8] from a 16-bit entry u (the low or high half of a keystream word).
fn gen_entry16(u: u32) -> i32 {
  return i32(u % 17u) - 8;
}

// The four entries of two keystream words (w.x, w.y) or (w.z, w.w): low half first.
fn gen_entries4(lo: u32, hi: u32) -> vec4<f32> {
  return vec4<f32>(f32(gen_entry16(lo & 0xffffu)), f32(gen_entry16(lo >> 16u)), f32(gen_entry16(hi & 0xffffu)), f32(gen_entry16(hi >> 16u)));
}
