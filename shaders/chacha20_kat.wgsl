// Evaluates the ChaCha20 block function on (key, counter, nonce) triples, so tests can hold the
// WGSL twin to RFC 8439's vectors (some have a nonce) and to the TypeScript generator. Tests only.
// Each input is 12 words: the 8 key words, the counter, the 3 nonce words; each output the 16
// words of the block. Inputs with a zero nonce go through chacha20_block itself.

@group(0) @binding(0) var<storage, read> inputs: array<u32>;
@group(0) @binding(1) var<storage, read_write> outputs: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (16u * i >= arrayLength(&outputs)) {
    return;
  }
  let at = 12u * i;
  let nonce = vec3<u32>(inputs[at + 9u], inputs[at + 10u], inputs[at + 11u]);
  var out: array<u32, 16>;
  if (all(nonce == vec3<u32>(0u))) {
    var key: array<u32, 8>;
    for (var j = 0u; j < 8u; j = j + 1u) {
      key[j] = inputs[at + j];
    }
    out = chacha20_block(key, inputs[at + 8u]);
  } else {
    let k0 = vec4<u32>(inputs[at], inputs[at + 1u], inputs[at + 2u], inputs[at + 3u]);
    let k1 = vec4<u32>(inputs[at + 4u], inputs[at + 5u], inputs[at + 6u], inputs[at + 7u]);
    out = chacha20_words(chacha20_state(k0, k1, vec4<u32>(inputs[at + 8u], nonce)));
  }
  for (var j = 0u; j < 16u; j = j + 1u) {
    outputs[16u * i + j] = out[j];
  }
}
