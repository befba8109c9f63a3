// The mutation run (npm run mutation, docs/testing.md) runs a test file once per mutant of the code
// it covers, so it sets MUTATION_RUN=1 and a test that is slow (seconds of work, a spawned
// CLI) or needs the GPU stays out of it, saying why. What such a test checks is then also checked
// by a fast CPU test where the mutation run needs it; npm test runs everything.
export const MUTATION_RUN = process.env.MUTATION_RUN === '1';

/** Test options that leave a test out of the mutation run only. */
export function notInMutationRun(why: string): { skip?: string } {
  return MUTATION_RUN ? { skip: `not in the mutation run: ${why}` } : {};
}

/** A smaller count (fast-check runs, repetitions) in the mutation run, the full one otherwise. */
export const mutationRuns = (full: number, mutation: number): number => (MUTATION_RUN ? mutation : full);
