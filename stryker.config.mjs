// Stryker's configuration for the mutation run of the security checks: `npm run mutation`
// (scripts/mutation.mjs) starts Stryker with this file and turns its JSON report into
// bench/results/mutation-<date>.json. Why each choice: docs/testing.md, "The mutation run".
//
// The run is made of GROUPS, one Stryker run each (scripts/mutation.mjs runs them in turn and
// merges their reports): each group's files are mutated and tested only against the group's fast
// CPU test files, named as the .js tsc emits beside each .ts in the sandbox (buildCommand below).
// Within a group Stryker runs, for each mutant, only the test files whose dry run reached it, so
// a slow cheat file never runs for a mutant of the signing code. A file may be narrowed to line
// ranges that CPU tests reach (executor.ts, agent.ts: the checks before any GPU work).
// MUTATION_GROUP picks the group (the script sets it); MUTATION_FILES=<part of a
// path>[,…] narrows the mutated files.
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
    tests: ['protocol-edges', 'keys-files', 'protocol', 'ed25519-strict', 'malformed', 'keys', 'ijson'],
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
    tests: ['verifier-checks', 'role-checks', 'cheats', 'memory-cheats', 'alu-cheats', 'pinned-validator'],
  },
  storage: {
    mutate: ['src/roles/stores.ts', 'src/ledger/ledger.ts'],
    tests: ['stores', 'ledger', 'ledger-disk'],
  },
  agent: {
    // The admission path: allow list, signature, the challenge's rules, the open request's binding.
    mutate: [
      'src/server/agent.ts:119-125',
      'src/server/agent.ts:160-171',
      'src/server/agent.ts:180-193',
      'src/server/agent.ts:226-235',
      'src/server/agent.ts:300-303',
    ],
    tests: ['agent-admission'],
  },
  score: {
    mutate: ['src/roles/score.ts'],
    tests: ['score'],
  },
};

const groupName = process.env.MUTATION_GROUP ?? 'protocol';
const group = GROUPS[groupName];
if (!group) throw new Error(`MUTATION_GROUP=${groupName} is not a group of stryker.config.mjs`);
const only = (process.env.MUTATION_FILES ?? '').split(',').map((s) => s.trim()).filter(Boolean);
const mutate = group.mutate.filter((file) => only.length === 0 || only.some((o) => file.includes(o)));

export default {
  testRunner: 'tap',
  plugins: ['@stryker-mutator/tap-runner', './scripts/stryker-message-ignorer.mjs'],
  // Message text for people (check reasons, error messages) is not mutated: see that file.
  ignorers: ['messages'],
  mutate,
  tap: {
    testFiles: group.tests.map((t) => `test/${t}.test.js`),
    // Plain node on the compiled .js: no tsx start-up per mutant.
    nodeArgs: ['--test-reporter=tap', '-r', '{{hookFile}}', '{{testFile}}'],
    forceBail: true,
  },
  // Once per run, in the sandbox: every .ts of src/ and test/ to a .js beside it, types unchecked.
  buildCommand: 'tsc -p tsconfig.mutation.json',
  // The TAP runner's per-test coverage is per test file: a mutant runs only the files that reach it.
  coverageAnalysis: 'perTest',
  concurrency: 2,
  // A test file takes well under 2 s here; a mutant that loops is cut at 1.5 × its files' time + 2 s.
  timeoutMS: 2000,
  timeoutFactor: 1.5,
  dryRunTimeoutMinutes: 10,
  reporters: ['json', 'progress', 'clear-text'],
  jsonReporter: { fileName: `reports/mutation/${groupName}.json` },
  clearTextReporter: { allowColor: false, logTests: false, maxTestsToLog: 0, reportScoreTable: true },
  ignorePatterns: ['dist', 'bench/results', 'docs', 'examples', 'reports', '.gpu', '.gl', '.whl', '.ci'],
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
  incremental: false,
};
