// C = A·B on the adapter's matrix units (Dawn's chromium_experimental_subgroup_matrix): each
// subgroup owns a (TM·SM) × (TN·SN) block of C as TM × TN result matrices and walks k in steps of
// SK, loading TM left and TN right tiles a step. Operands are packed and zero padded to np (a
// multiple of every tile), so no load or store is out of range. A subgroup takes blocks
// b, b + G, … (G subgroups in the dispatch); since its id is uniform only within the subgroup,
// the workgroup-uniformity diagnostic, which cannot see subgroups, is turned off. Needs a types
// file first (tensor_i8 or tensor_f16), then matmul_pad, and constants SM, SN, SK, TM, TN, WG_X.
diagnostic(off, chromium_experimental.subgroup_matrix_uniformity);

@group(0) @binding(0) var<storage, read> a: array<OperandWord>;
@group(0) @binding(1) var<storage, read> b: array<OperandWord>;
@group(0) @binding(2) var<storage, read_write> c: array<ResultWord>;
@group(0) @binding(3) var<uniform> p: PadParams;

@compute @workgroup_size(WG_X)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(subgroup_id) sg_id: u32, @builtin(subgroup_size) sg_size: u32) {
  let np = p.np;
  let per_wg = WG_X / sg_size;
  let total = nwg.x * per_wg;
  let block_cols = np / (TN * SN);
  let blocks = (np / (TM * SM)) * block_cols;
  for (var blk = wg.x * per_wg + sg_id; blk < blocks; blk = blk + total) {
    let row0 = (blk / block_cols) * (TM * SM);
    let col0 = (blk % block_cols) * (TN * SN);
    var acc: array<array<Result, TN>, TM>;
    for (var i = 0u; i < TM; i = i + 1u) {
      for (var j = 0u; j < TN; j = j + 1u) {
        acc[i][j] = Result();
      }
    }
    for (var k = 0u; k < np; k = k + SK) {
      var left: array<Left, TM>;
      var right: array<Right, TN>;
      for (var i = 0u; i < TM; i = i + 1u) {
        left[i] = subgroupMatrixLoad<Left, row_major>(&a, ((row0 + i * SM) * np + k) / PER_WORD, np / PER_WORD);
      }
      for (var j = 0u; j < TN; j = j + 1u) {
        right[j] = subgroupMatrixLoad<Right, row_major>(&b, (k * np + col0 + j * SN) / PER_WORD, np / PER_WORD);
      }
      for (var i = 0u; i < TM; i = i + 1u) {
        for (var j = 0u; j < TN; j = j + 1u) {
          acc[i][j] = subgroupMatrixMultiplyAccumulate(left[i], right[j], acc[i][j]);
        }
      }
    }
    for (var i = 0u; i < TM; i = i + 1u) {
      for (var j = 0u; j < TN; j = j + 1u) {
        subgroupMatrixStore<row_major>(&c, (row0 + i * SM) * np + col0 + j * SN, acc[i][j], np);
      }
    }
  }
}
