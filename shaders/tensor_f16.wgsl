// Operand and result types of the tensor path with f16 × f16 → f32 subgroup matrices: entries in
// [-8, 8] are exact in f16, and every partial sum is an integer below 2^24, exact in f32 whatever
// the order. Constants SM, SN, SK are the adapter's subgroup-matrix shape.
enable f16;
enable chromium_experimental_subgroup_matrix;

alias OperandWord = f16;
const PER_WORD: u32 = 1u;
alias ResultWord = f32;
alias Left = subgroup_matrix_left<f16, SK, SM>;
alias Right = subgroup_matrix_right<f16, SN, SK>;
alias Result = subgroup_matrix_result<f32, SN, SM>;
