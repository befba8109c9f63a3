// Stryker's configuration for the mutation run of the security checks: `npm run mutation`
// (scripts/mutation.mjs) starts Stryker with this file and turns its JSON report into
// bench/results/mutation-<date>.json. Why each choice: docs/testing.md, "The mutation run".
//
// The run is made of groups (scripts/mutation-groups.mjs), one Stryker run each, picked by
// MUTATION_GROUP; scripts/mutation.mjs runs them in turn and merges their reports.
import { GROUPS } from './scripts/mutation-groups.mjs';

const groupName = process.env.MUTATION_GROUP ?? '';
const group = GROUPS[groupName];
if (!group) throw new Error(`MUTATION_GROUP=${groupName} is not one of ${Object.keys(GROUPS).join(', ')}: run npm run mutation, or set it`);
const only = (process.env.MUTATION_FILES ?? '').split(',').map((s) => s.trim()).filter(Boolean);
const mutate = group.mutate.filter((file) => only.length === 0 || only.some((o) => file.includes(o)));

export default {
  testRunner: 'tap',
  plugins: ['@stryker-mutator/tap-runner', './scripts/stryker-message-ignorer.mjs'],
  // Message text for people (check reasons, error messages) is not mutated: see that file.
  ignorers: ['messages'],
  mutate,
  // Each of the group's test files, compiled to plain .js (no tsx start-up), is its own node
  // process; for each mutant only the files whose dry run reached it run, in the group's order,
  // and the run stops at the first failing test (forceBail).
  tap: {
    testFiles: group.tests.map((t) => `test/${t}.test.js`),
    nodeArgs: ['--test-reporter=tap', '-r', '{{hookFile}}', '{{testFile}}'],
    forceBail: true,
  },
  // Once per run, in the sandbox: every .ts of src/ and test/ to a .js beside it, types unchecked.
  buildCommand: 'tsc -p tsconfig.mutation.json',
  // Per test file for the TAP runner: a mutant runs only the files that reach it.
  coverageAnalysis: 'perTest',
  concurrency: 2,
  // A mutant is cut, and counted as detected (it looped), at 3 × its test files' unmutated time
  // + 4 s. With less, a survivor that runs every file on a loaded machine passes for a loop.
  timeoutMS: 4000,
  timeoutFactor: 3,
  dryRunTimeoutMinutes: 10,
  reporters: ['json', 'progress', 'clear-text'],
  jsonReporter: { fileName: `reports/mutation/${groupName}.json` },
  clearTextReporter: { allowColor: false, logTests: false, maxTestsToLog: 0, reportScoreTable: true },
  ignorePatterns: ['dist', 'bench/results', 'docs', 'examples', 'reports', '.gpu', '.gl', '.whl', '.ci'],
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
  incremental: false,
};
