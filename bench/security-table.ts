// The acceptance bounds of docs/security.md, computed from the class table and the kit's defaults
// so the table there cannot drift from the code: test/security-table.test.ts compares them.
// Run: node --import tsx bench/security-table.ts   (prints the markdown table)
import { loadClassTable } from '../src/roles/classes.js';
import { sizeForClass } from '../src/roles/sizing.js';
import { DEFAULT_OPEN_BLOCKS, DEFAULT_OPEN_ROWS } from '../src/roles/validator.js';
import { FREIVALDS_SOUNDNESS_LOG2 } from '../src/proofs/freivalds.js';

/** v1's default rows opened, for the collapse's historical figure. */
const V1_ROWS = 32;

const sci = (p: number): string => (p === 0 ? '0' : p >= 0.01 ? `${(100 * p).toFixed(p >= 0.1 ? 0 : 1)} %` : p.toExponential(1).replace('e', '·10^'));

export interface ClassBounds {
  id: string;
  n: number;
  K: number;
  /** v1 collapse: (1 − 1/K)^32 at 1/n of the work. */
  v1Collapse: number;
  /** v2 collapse: f = 1/n right links; (1/n)^m + m·2^-44. */
  v2Collapse: number;
  /** Any cheat right on 90 % of the links (or holding 90 % of X_P): 0.9^m (+ Freivalds' term). */
  partial90: number;
  memory90: number;
}

export function classBounds(): ClassBounds[] {
  const table = loadClassTable();
  const m = DEFAULT_OPEN_ROWS;
  const fr = m * 2 ** FREIVALDS_SOUNDNESS_LOG2;
  return table.classes
    .filter((c) => c.kind === 'gpu')
    .map((c) => {
      const s = sizeForClass(table, c.id);
      const { n, iterations: K } = s.matmul;
      return {
        id: c.id,
        n,
        K,
        v1Collapse: (1 - 1 / K) ** V1_ROWS,
        v2Collapse: Math.min(1, (1 / n) ** m + fr),
        partial90: Math.min(1, 0.9 ** m + fr),
        memory90: 0.9 ** DEFAULT_OPEN_BLOCKS,
      };
    });
}

export function securityTable(): string {
  const head = `| class | n | K | v1 collapse, m = ${V1_ROWS} | v2 collapse, m = ${DEFAULT_OPEN_ROWS} | 90 % of links right, m = ${DEFAULT_OPEN_ROWS} | 90 % of X_P held, ${DEFAULT_OPEN_BLOCKS} blocks |\n|---|---|---|---|---|---|---|`;
  const rows = classBounds().map((b) => `| ${b.id} | ${b.n} | ${b.K} | ${sci(b.v1Collapse)} | ${sci(b.v2Collapse)} | ${sci(b.partial90)} | ${sci(b.memory90)} |`);
  return [head, ...rows].join('\n');
}

if (process.argv[1]?.endsWith('security-table.ts')) console.log(securityTable());
