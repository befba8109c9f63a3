// The groups of the mutation run (docs/testing.md, "The mutation run"): one Stryker run each,
// stryker.config.mjs running the one MUTATION_GROUP names and scripts/mutation.mjs all of them in
// turn, merging their reports. A group's files are mutated and tested only against the group's
// own fast CPU test files (as the .js tsc emits beside each .ts in Stryker's sandbox), each file
// its own node process; for each mutant, only the files that reach it run, in the order listed
// here, until one fails: the files that kill most mutants for the least time first. A file may be
// narrowed to the line ranges CPU tests reach (executor.ts, agent.ts: the checks before any GPU
// work), found by the text that opens and closes each range (span), so that an edit above a range
// moves it and an edit of its first or last line stops the run instead of mutating other code.
// MUTATION_FILES=<part of a path>[,…] narrows a run to the matching files.
import { readFileSync } from 'node:fs';

/**
 * `file:a-b` for the lines from the first one holding `from` to the first one at or after it
 * holding `to`, and the closing-bracket lines right after it (a block's mutant spans its closing
 * line); throws when either text is missing, so a range never silently drifts.
 */
export function span(file, from, to) {
  const lines = readFileSync(new URL(`../${file}`, import.meta.url), 'utf8').split('\n');
  const a = lines.findIndex((l) => l.includes(from));
  const b = a < 0 ? -1 : lines.findIndex((l, i) => i >= a && l.includes(to));
  if (a < 0 || b < 0) throw new Error(`mutation range of ${file}: no line holds ${JSON.stringify(a < 0 ? from : to)}; update scripts/mutation-groups.mjs`);
  let end = b;
  while (/^\s*[}\])][}\]);,]*\s*$/.test(lines[end + 1] ?? '')) end++;
  return `${file}:${a + 1}-${end + 1}`;
}

const EXECUTOR = 'src/roles/executor.ts';
const AGENT = 'src/server/agent.ts';

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
      span(EXECUTOR, 'export function checkChallenge(', 'replays are refused'),
      span(EXECUTOR, 'export async function answerOpenings(', 'is outside the'),
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
      span(AGENT, 'const allowed = <K', 'signature does not verify'),
      span(AGENT, 'async function postChallenge(', 'const slot = acquireAny(slots)'),
      span(AGENT, 'async function postOpenings(', 'const slot = acquireAny(slots, entry.slot)'),
      span(AGENT, 'async function route(', 'await r[1](req, res, ex)'),
      span(AGENT, 'function asReplay(', 'return err;'),
    ],
    tests: ['agent-admission'],
  },
  score: {
    mutate: ['src/roles/score.ts'],
    tests: ['score-checks', 'score'],
  },
};
