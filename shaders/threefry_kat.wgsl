// Evaluates Threefry-4x32-20 on (key, counter) pairs, so tests can hold the WGSL generator to the
// same known-answer vectors as the TypeScript one. Used by tests only.

@group(0) @binding(0) var<storage, read> inputs: array<vec4<u32>>; // key0, ctr0, key1, ctr1, …
@group(0) @binding(1) var<storage, read_write> outputs: array<vec4<u32>>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= arrayLength(&outputs)) {
    return;
  }
  outputs[i] = threefry4x32_20(inputs[2u * i], inputs[2u * i + 1u]);
}
