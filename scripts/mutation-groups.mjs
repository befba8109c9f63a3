// The groups of the mutation run (docs/testing.md, "The mutation run"): one Stryker run each,
// stryker.config.mjs running the one MUTATION_GROUP names and scripts/mutation.mjs all of them in
// turn, merging their reports. A group's files are mutated and tested only against the group's
// own fast CPU test files (as the .js tsc emits beside each .ts in Stryker's sandbox), each file
// its own node process; for each mutant, only the files that reach it run, in the order listed
// here, until one fails: the files that kill most mutants for the least time first. A file may be
// narrowed to the line ranges CPU tests reach (executor.ts, agent.ts: the checks before any GPU
// work). MUTATION_FILES=<part of a path>[,…] narrows a run to the matching files.
export const GROUPS = {
  protocol: {
    mutate: [
      'src/protocol/signing.ts',
      'src/protocol/ed25519-strict.ts',
      'src/protocol/parse.ts',
      'src/protocol/ijson.ts',
      'src/protocol/canonical.ts',
      'src/protocol/keys.ts',
      'src/protocol/schemas.ts',
    ],
    // The slowest files (malformed, protocol: seconds of work at import and in tweetnacl) last.
    tests: ['protocol-edges', 'keys-files', 'ed25519-strict', 'keys', 'ijson', 'malformed', 'protocol'],
  },
  proofs: {
    mutate: ['src/proofs/freivalds.ts', 'src/proofs/freivalds-sweep.ts', 'src/proofs/merkle.ts'],
    tests: ['freivalds', 'freivalds-sweep', 'merkle', 'merkle-edges', 'matmul-v2-vectors'],
  },
  roles: {
    mutate: [
      'src/roles/verifier.ts',
      'src/roles/verifier-matmul.ts',
      'src/roles/verifier-memory.ts',
      'src/roles/verifier-alu.ts',
      'src/roles/validator.ts',
      // checkChallenge, and answerOpenings' request checks: what the executor refuses before the GPU.
      'src/roles/executor.ts:75-82',
      'src/roles/executor.ts:159-168',
    ],
    // The cheat files (cheats, memory-cheats, alu-cheats) cover the same code but killed nothing
    // these two did not in the first runs, at ten times the time per mutant.
    tests: ['verifier-checks', 'role-checks'],
  },
  storage: {
    mutate: ['src/roles/stores.ts', 'src/ledger/ledger.ts'],
    tests: ['stores-checks', 'ledger-checks', 'stores', 'ledger', 'ledger-disk'],
  },
  agent: {
    // The admission path: allow list, signature, the challenge's rules, the open request's binding.
    mutate: [
      'src/server/agent.ts:134-140',
      'src/server/agent.ts:175-186',
      'src/server/agent.ts:195-208',
      'src/server/agent.ts:241-250',
      'src/server/agent.ts:315-318',
    ],
    tests: ['agent-admission'],
  },
  score: {
    mutate: ['src/roles/score.ts'],
    tests: ['score-checks', 'score'],
  },
};
