// Shared by every matmul kernel: the uniform each variant binds at @binding(3).
struct MatmulParams {
  n: u32,
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
}
