// Shared by the tensor path's kernels (pack, multiply, unpad): the order n of the proof's matrices
// and the padded order np of the packed operands and the raw result.
struct PadParams {
  n: u32,
  np: u32,
  _pad0: u32,
  _pad1: u32,
}
