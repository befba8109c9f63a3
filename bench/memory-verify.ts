// CPU cost of verifying a memory proof's openings at production depth: m blocks × s words
// recomputed from the seed with WordOracle. The layout is a production-shaped 16 GiB set (the
// oracle never allocates it: it only recomputes the words it needs). Usage:
//   node --import tsx bench/memory-verify.ts [P] [m] [s] [runs]
import { randomBytes, randomInt } from 'node:crypto';
import { BLOCK_ROWS, ROW_WORDS } from '../src/proofs/memory-spec.js';
import { WordOracle, drawBlockWords, MEMO_ENTRIES_PER_WORD } from '../src/proofs/memory-oracle.js';

export interface MemoryVerifyCost {
  passes: number;
  blocks: number;
  words_per_block: number;
  runs: number;
  cpu_ms: number[];
  median_cpu_ms: number;
  evaluations_per_run: number;
}

export function measureMemoryVerify(P = 12, m = 16, s = 1, runs = 5): MemoryVerifyCost {
  const params = { chunks: 64, rows: (256 * 2 ** 20) / 256, passes: P }; // 64 chunks × 256 MiB
  const perChunk = params.rows / BLOCK_ROWS;
  const cpu: number[] = [];
  let evaluations = 0;
  for (let run = 0; run < runs; run++) {
    const seed = new Uint8Array(randomBytes(32));
    const start = process.cpuUsage();
    evaluations = 0;
    // One oracle per proof, as the verifier does it.
    const oracle = new WordOracle(seed, params, m * s * MEMO_ENTRIES_PER_WORD);
    for (let b = 0; b < m; b++) {
      const block = randomInt(params.chunks * perChunk);
      for (const i of drawBlockWords(randomInt, s)) {
        oracle.word(P, Math.floor(block / perChunk), (block % perChunk) * BLOCK_ROWS + Math.floor(i / ROW_WORDS), i % ROW_WORDS);
      }
    }
    evaluations = oracle.evaluations;
    const used = process.cpuUsage(start);
    cpu.push((used.user + used.system) / 1000);
  }
  const sorted = [...cpu].sort((a, b) => a - b);
  return { passes: P, blocks: m, words_per_block: s, runs, cpu_ms: cpu, median_cpu_ms: sorted[Math.floor(runs / 2)] ?? Number.NaN, evaluations_per_run: evaluations };
}

if (process.argv[1]?.endsWith('memory-verify.ts')) {
  const [P, m, s, runs] = process.argv.slice(2).map(Number);
  console.log(JSON.stringify(measureMemoryVerify(P || 12, m || 16, s || 1, runs || 5), null, 2));
}
