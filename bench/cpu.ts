// tinybench suites for the validator's CPU side: the generator, SHA-256 + Merkle, and whole
// verification at n = 1024..8192 (growth should be O(n²): ×4 per doubling of n).
import { Bench } from 'tinybench';
import { randomBytes } from 'node:crypto';
import { generateMatrix, matrixReader, streamKey, STREAM_MATMUL_B } from '../src/proofs/generator.js';
import { MerkleTree } from '../src/proofs/merkle.js';
import { verifyProof } from '../src/roles/verifier.js';
import { syntheticTranscript } from './transcript.js';
import { generateKeyPair } from '../src/protocol/keys.js';
import { toB64 } from '../src/util/bytes.js';

export interface CpuResults {
  tasks: { name: string; mean_ms: number; p99_ms: number | undefined; samples: number }[];
  verify_ratio_2048_4096: number | undefined;
}

export async function runCpuBench(sizes = [1024, 2048, 4096, 8192]): Promise<CpuResults> {
  const bench = new Bench({ iterations: 5, warmup: true, warmupIterations: 1, time: 0 });
  const key = streamKey(new Uint8Array(32), STREAM_MATMUL_B);
  bench.add('generator: 512×512 matrix (262144 entries)', () => {
    generateMatrix(key, 512);
  });
  // B at n = 4096 as the verifier reads it (int8, one buffer reused), and as a fresh int32 matrix.
  const b8 = new Int8Array(4096 * 4096);
  bench.add('generator: B at n=4096 into int8 (16.7 M entries)', () => {
    matrixReader(key).read(b8);
  });
  bench.add('generator: B at n=4096 as int32 (generateMatrix)', () => {
    generateMatrix(key, 4096);
  });
  const leaves = Array.from({ length: 65536 }, () => new Uint8Array(randomBytes(32)));
  bench.add('merkle: tree over 65536 row digests', () => {
    MerkleTree.fromLeafData(leaves);
  });
  const validator = generateKeyPair();
  for (const n of sizes) {
    const t = syntheticTranscript(n, 32, validator);
    bench.add(`verify: n=${n}, 32 rows`, () => {
      const v = verifyProof(t, toB64(validator.publicKey));
      if (!v.accepted) throw new Error(`synthetic transcript rejected at n=${n}`);
    });
  }
  await bench.run();
  const tasks = bench.tasks.map((task) => {
    const r = task.result as { latency?: { mean: number; p99?: number; samples?: number[] } } | undefined;
    return { name: task.name, mean_ms: r?.latency?.mean ?? Number.NaN, p99_ms: r?.latency?.p99, samples: r?.latency?.samples?.length ?? 0 };
  });
  const mean = (n: number): number | undefined => tasks.find((x) => x.name === `verify: n=${n}, 32 rows`)?.mean_ms;
  const a = mean(2048);
  const b = mean(4096);
  return { tasks, verify_ratio_2048_4096: a && b ? b / a : undefined };
}
