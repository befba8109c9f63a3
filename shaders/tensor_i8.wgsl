// Operand and result types of the tensor path with i8 × i8 → i32 subgroup matrices. i8 entries
// are stored 4 to a 32-bit word and addressed in elements (bytes). Constants SM, SN, SK are the
// adapter's subgroup-matrix shape.
enable chromium_experimental_subgroup_matrix;

alias OperandWord = i32;
// Loads address the operand array in its own words, 4 entries each.
const PER_WORD: u32 = 4u;
alias ResultWord = i32;
alias Left = subgroup_matrix_left<i8, SK, SM>;
alias Right = subgroup_matrix_right<i8, SN, SK>;
alias Result = subgroup_matrix_result<i32, SN, SM>;
