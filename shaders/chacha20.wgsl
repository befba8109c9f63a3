// TEMPORARY: ChaCha20 block function (RFC 8439) with a zero nonce, until the generator branch lands.
fn cc_rotl(x: u32, r: u32) -> u32 {
  return (x << r) | (x >> (32u - r));
}

fn cc_qr(s: ptr<function, array<u32, 16>>, a: u32, b: u32, c: u32, d: u32) {
  (*s)[a] += (*s)[b]; (*s)[d] = cc_rotl((*s)[d] ^ (*s)[a], 16u);
  (*s)[c] += (*s)[d]; (*s)[b] = cc_rotl((*s)[b] ^ (*s)[c], 12u);
  (*s)[a] += (*s)[b]; (*s)[d] = cc_rotl((*s)[d] ^ (*s)[a], 8u);
  (*s)[c] += (*s)[d]; (*s)[b] = cc_rotl((*s)[b] ^ (*s)[c], 7u);
}

fn chacha20_block(key: array<u32, 8>, counter: u32) -> array<u32, 16> {
  let init = array<u32, 16>(0x61707865u, 0x3320646eu, 0x79622d32u, 0x6b206574u,
    key[0], key[1], key[2], key[3], key[4], key[5], key[6], key[7], counter, 0u, 0u, 0u);
  var x = init;
  for (var i = 0u; i < 10u; i = i + 1u) {
    cc_qr(&x, 0u, 4u, 8u, 12u); cc_qr(&x, 1u, 5u, 9u, 13u); cc_qr(&x, 2u, 6u, 10u, 14u); cc_qr(&x, 3u, 7u, 11u, 15u);
    cc_qr(&x, 0u, 5u, 10u, 15u); cc_qr(&x, 1u, 6u, 11u, 12u); cc_qr(&x, 2u, 7u, 8u, 13u); cc_qr(&x, 3u, 4u, 9u, 14u);
  }
  for (var i = 0u; i < 16u; i = i + 1u) {
    x[i] += init[i];
  }
  return x;
}
