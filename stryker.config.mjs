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
  // One node process a mutant runs all the group's test files, compiled to plain .js (no tsx):
  // each but the last is preloaded with --import, in order, and the last is the entry. A mutant's
  // run stops at the first failing test (forceBail); a survivor pays one start-up, not one a file.
  tap: {
    testFiles: [`test/${group.tests.at(-1)}.test.js`],
    nodeArgs: [...group.tests.slice(0, -1).flatMap((t) => ['--import', `./test/${t}.test.js`]), '--test-reporter=tap', '-r', '{{hookFile}}', '{{testFile}}'],
    forceBail: true,
  },
  // Once per run, in the sandbox: every .ts of src/ and test/ to a .js beside it, types unchecked.
  buildCommand: 'tsc -p tsconfig.mutation.json',
  // Per test file for the TAP runner, here the group's one process: a mutant no test reaches is
  // reported as such and not run.
  coverageAnalysis: 'perTest',
  concurrency: 2,
  // A mutant is cut (and counted as detected: it looped) at 1.5 × its test files' unmutated time
  // + 4 s. A smaller margin lets a loaded machine's slowness pass for a loop.
  timeoutMS: 4000,
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
