// `npm run bench:alu`: the integer proof's rate on this machine four ways, in counted ops/s
// (W·L·14 / s): a native C chain on every core (bench/alu_chain.c, the CPU cheater's best, and on
// x86 the same limited to 256-bit vectors), the kit's tuned kernel through runAluProof (GPU lane
// phase, and the whole window with the tree), the plain kernel x1-wg64, and the verifier's
// TypeScript recompute on one thread. Each is sized to run ≥ 0.3 s; the repetitions take turns
// (one run of each, then again), so on a shared machine every contestant sees the same moments.
// Medians and minima go to bench/results/alu-<date>.json with the machine named. On a software
// adapter the C and the WGSL run on the same CPU, so kit/C says how close the kit's figure comes
// to native code for this round. Timed by hand, not tinybench: sizes are calibrated per
// contestant and the kit's time is its GPU lane phase, not a JS call.
// Usage: node --import tsx bench/alu.ts [--reps N] [--note TEXT] [--out FILE]
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { withGpu, type GpuContext } from '../src/gpu/context.js';
import { isSoftwareAdapter } from '../src/gpu/adapter-info.js';
import { aluLaneResults } from '../src/proofs/alu-lanes.js';
import { PLAIN_ALU_KERNEL } from '../src/proofs/alu-gpu.js';
import { runAluProof } from '../src/proofs/alu-proof.js';
import { tuneAluKernel } from '../src/proofs/alu-tune.js';
import { ALU_OPS_TOTAL } from '../src/proofs/alu-round.js';
import { MAX_ALU_ROUNDS } from '../src/proofs/alu-size.js';
import { MerkleTree } from '../src/proofs/merkle.js';
import { fromHex, toHex } from '../src/util/bytes.js';
import { aluStarts, buildChain, CHAIN_SHAPES, CHAIN_SHAPES_256, requireCompiler, runChain, scratchDir, type BuildOptions, type ChainBinary, type ChainShape, type Compiler } from './alu-chain.js';
import { cpuModel, cpuVectorFlags, datasheetIntPeaks } from './alu-machine.js';
import { machineDescription, median } from './lib.js';

/** Each timed run at least this long (the issue's floor for lavapipe); calibration aims 2× above, as a shared machine's load comes and goes. */
const MIN_SECONDS = 0.3;
const SEED = fromHex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
const C_LANES = 2 ** 16;
const round = (x: number, d = 3): number => Number(x.toPrecision(d + 1));
const log = (msg: string): void => void process.stderr.write(`bench:alu: ${msg}\n`);
const lanesUpTo = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

export interface Series {
  lanes: number;
  rounds: number;
  seconds: number[];
  median_s: number;
  min_s: number;
  /** Counted ops/s at the median and at the fastest run. */
  ops_per_s_median: number;
  ops_per_s_best: number;
}

function series(lanes: number, rounds: number, seconds: number[]): Series {
  const ops = lanes * rounds * ALU_OPS_TOTAL;
  const med = median(seconds);
  const min = Math.min(...seconds);
  return { lanes, rounds, seconds: seconds.map((s) => round(s, 4)), median_s: round(med, 4), min_s: round(min, 4), ops_per_s_median: round(ops / med), ops_per_s_best: round(ops / min) };
}

/** Rounds that make `once` take ≥ MIN_SECONDS: doubling while short runs are noise, then one jump. */
async function calibrate(start: number, max: number, once: (rounds: number) => Promise<number> | number): Promise<number> {
  let rounds = start;
  for (;;) {
    const s = await once(rounds);
    if (s >= MIN_SECONDS * 1.5 || rounds >= max) return rounds;
    rounds = Math.min(max, s > 0.05 ? Math.ceil((rounds * MIN_SECONDS * 2) / s) : rounds * 2);
  }
}

/** One timed contestant at its calibrated size: `once` returns seconds by series name. */
interface Contestant {
  name: string;
  lanes: number;
  rounds: number;
  once: () => Promise<Record<string, number>> | Record<string, number>;
}

/** Lanes 0..15, the last 16 and 32 spread between: compared with the verifier at the timed size. */
function checkSample(states: Uint32Array, w: number, rounds: number): number {
  const spread = Array.from({ length: 32 }, (_, i) => Math.floor(((i + 0.5) * w) / 32));
  const lanes = [...new Set([...lanesUpTo(16), ...spread, ...lanesUpTo(16).map((i) => w - 16 + i)])].sort((a, b) => a - b);
  const want = aluLaneResults(SEED, lanes, rounds);
  lanes.forEach((l, i) => {
    for (let x = 0; x < 4; x++) {
      if (states[4 * l + x] !== want[4 * i + x]) throw new Error(`the C chain's lane ${l} differs from aluLaneResults after ${rounds} rounds`);
    }
  });
  return lanes.length;
}

const leBytes = (w: Uint32Array): Uint8Array => {
  const b = Buffer.alloc(w.length * 4);
  w.forEach((x, i) => b.writeUInt32LE(x, 4 * i));
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
};

/** Builds that compile here (the 256-bit set needs an x86 compiler: none elsewhere). */
function builds(cc: Compiler, dir: string, shapes: readonly ChainShape[], opts: BuildOptions = {}): ChainBinary[] {
  const out: ChainBinary[] = [];
  for (const shape of shapes) {
    try {
      out.push(buildChain(cc, dir, shape, opts));
    } catch (e) {
      if (!opts.extra) throw e;
    }
  }
  return out;
}

/** The fastest build, calibrated; a cheater would pick his CPU's best, so the bench does too. */
async function chainContestant(name: string, bins: ChainBinary[], threads: number, starts: Uint32Array): Promise<{ c: Contestant; bin: ChainBinary; info: Record<string, unknown> }> {
  const probe: Record<string, number> = {};
  let best = { bin: bins[0] as ChainBinary, rate: 0 };
  for (const bin of bins) {
    const s = Math.min(...[0, 1].map(() => runChain(bin, { seed: SEED, lanes: C_LANES, rounds: 2048, threads, starts }).seconds));
    probe[`${bin.shape.lanesPerVector}x${bin.shape.vectors}`] = round((C_LANES * 2048 * ALU_OPS_TOTAL) / s);
    if ((C_LANES * 2048) / s > best.rate) best = { bin, rate: (C_LANES * 2048) / s };
  }
  const { bin } = best;
  const rounds = await calibrate(2048, 2 ** 31, (r) => runChain(bin, { seed: SEED, lanes: C_LANES, rounds: r, threads, starts }).seconds);
  const info: Record<string, unknown> = { flags: bin.flags.join(' '), shape: `${bin.shape.lanesPerVector} lanes a vector × ${bin.shape.vectors} vectors`, shapes_probed_ops_per_s: probe, threads };
  const once = (): Record<string, number> => {
    const r = runChain(bin, { seed: SEED, lanes: C_LANES, rounds, threads, starts, withStates: info.lanes_checked_against_aluLaneResults === undefined });
    if (r.states) info.lanes_checked_against_aluLaneResults = checkSample(r.states, C_LANES, rounds);
    return { run: r.seconds };
  };
  return { c: { name, lanes: C_LANES, rounds, once }, bin, info };
}

async function kitContestant(ctx: GpuContext, name: string, kernel: string, lanes: number, meta: Record<string, unknown>): Promise<Contestant> {
  const time = async (rounds: number): Promise<Record<string, number>> => {
    const t0 = performance.now();
    const run = await runAluProof(ctx, SEED, { lanes, rounds }, { kernel });
    const window = (performance.now() - t0) / 1000;
    meta.timing = run.method;
    return { lanes_phase: (run.phases['alu.lanes'] ?? Number.NaN) / 1000, window };
  };
  const rounds = await calibrate(1024, MAX_ALU_ROUNDS, async (r) => (await time(r)).lanes_phase as number);
  return { name, lanes, rounds, once: () => time(rounds) };
}

export async function benchAlu(reps = 5): Promise<Record<string, unknown>> {
  const cc = requireCompiler();
  const threads = availableParallelism();
  const scratch = scratchDir();
  try {
    log(`building the C chain with ${cc.version}`);
    const native = builds(cc, scratch.dir, CHAIN_SHAPES);
    const w256 = builds(cc, scratch.dir, CHAIN_SHAPES_256, { extra: ['-mno-avx512f'], suffix: '_256' });
    const starts = aluStarts(SEED, C_LANES);
    return await withGpu({}, async (ctx) => {
      const software = isSoftwareAdapter(ctx.report);
      log(`adapter ${ctx.report.description || ctx.report.device}: tuning the integer kernels`);
      const tuning = await tuneAluKernel(ctx);
      const kernel = (tuning[0] as { kernel: string }).kernel;
      log(`calibrating: C chain (${threads} threads), TS verifier, kernels ${kernel} and ${PLAIN_ALU_KERNEL}`);
      const c = await chainContestant('c_chain', native, threads, starts);
      const c256 = w256.length > 0 ? await chainContestant('c_chain_256bit', w256, threads, starts) : undefined;
      const tsLanes = lanesUpTo(1024);
      const tsTime = (r: number): number => {
        const t0 = performance.now();
        aluLaneResults(SEED, tsLanes, r);
        return (performance.now() - t0) / 1000;
      };
      const tsRounds = await calibrate(1024, 2 ** 31, tsTime);
      // Lavapipe is filled by a few thousand invocations; a real card needs millions of lanes.
      const gLanes = software ? 2 ** 16 : 2 ** 22;
      const kitMeta: Record<string, unknown> = { kernel };
      const plainMeta: Record<string, unknown> = { kernel: PLAIN_ALU_KERNEL };
      const contestants: Contestant[] = [
        c.c,
        ...(c256 ? [c256.c] : []),
        { name: 'ts_verifier', lanes: tsLanes.length, rounds: tsRounds, once: () => ({ run: tsTime(tsRounds) }) },
        await kitContestant(ctx, 'kit', kernel, gLanes, kitMeta),
        await kitContestant(ctx, 'plain', PLAIN_ALU_KERNEL, gLanes, plainMeta),
      ];
      const times = new Map<string, Record<string, number>[]>(contestants.map((x) => [x.name, []]));
      for (let rep = 0; rep < reps; rep++) {
        log(`repetition ${rep + 1} of ${reps}`);
        // Each repetition starts one further along, so no contestant always follows the same one.
        for (let i = 0; i < contestants.length; i++) {
          const x = contestants[(rep + i) % contestants.length] as Contestant;
          times.get(x.name)?.push(await x.once());
        }
      }
      const out = (name: string, key = 'run'): Series => {
        const x = contestants.find((y) => y.name === name) as Contestant;
        return series(x.lanes, x.rounds, (times.get(name) ?? []).map((t) => t[key] as number));
      };
      const [cS, tsS, kitS, kitW, plainS, plainW] = [out('c_chain'), out('ts_verifier'), out('kit', 'lanes_phase'), out('kit', 'window'), out('plain', 'lanes_phase'), out('plain', 'window')];
      const c256S = c256 ? out('c_chain_256bit') : undefined;

      // Every lane of the C chain against both kernels at one small size, through the RFC 6962 root.
      const xr = 1024;
      const cStates = runChain(c.bin, { seed: SEED, lanes: C_LANES, rounds: xr, threads, starts, withStates: true }).states as Uint32Array;
      const cRoot = toHex(MerkleTree.fromPackedLeafData(leBytes(cStates), 16).root());
      const roots = await Promise.all([kernel, PLAIN_ALU_KERNEL].map(async (k) => toHex((await runAluProof(ctx, SEED, { lanes: C_LANES, rounds: xr }, { kernel: k })).root)));
      if (roots.some((r) => r !== cRoot)) throw new Error(`lane roots differ at ${C_LANES} × ${xr}: C ${cRoot}, kernels ${roots.join(', ')}`);

      const peaks = datasheetIntPeaks(ctx.report).map((p) => ({ ...p, kit_best_fraction: round(kitS.ops_per_s_best / (p.int32_tops * 1e12)) }));
      for (const p of peaks) log(`datasheet int32 peak of class ${p.class}: ${p.int32_tops} TOPS; the kit's best run reaches ${(100 * p.kit_best_fraction).toFixed(1)} % of it`);
      const ratio = (a: Series, b: Series): number => round(a.ops_per_s_median / b.ops_per_s_median);
      return {
        compiler: cc.version,
        adapter: { vendor: ctx.report.vendor, architecture: ctx.report.architecture, device: ctx.report.device, description: ctx.report.description, backend: ctx.report.backend, software },
        rates: {
          c_chain: { ...c.info, ...cS },
          ...(c256 && c256S ? { c_chain_256bit: { ...c256.info, ...c256S } } : {}),
          kit: { ...kitMeta, lanes_phase: kitS, window: kitW },
          plain: { ...plainMeta, lanes_phase: plainS, window: plainW },
          ts_verifier: { threads: 1, ...tsS },
        },
        ratios: {
          kit_over_c: ratio(kitS, cS),
          ...(c256S ? { kit_over_c_256bit: ratio(kitS, c256S) } : {}),
          kit_window_over_c: ratio(kitW, cS),
          kit_over_plain: ratio(kitS, plainS),
          c_over_ts: ratio(cS, tsS),
        },
        cross_check: { lanes: C_LANES, rounds: xr, root: cRoot, kernels: [kernel, PLAIN_ALU_KERNEL], equal: true },
        datasheet_int32: peaks,
        tuning: tuning.map((t) => ({ kernel: t.kernel, lanes: t.lanes, rounds: t.rounds, ms: round(t.ms), int_gops: round(t.intGops), method: t.method })),
      };
    });
  } finally {
    scratch.remove();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { reps: { type: 'string', default: '5' }, note: { type: 'string' }, out: { type: 'string' } } });
  const reps = Number(values.reps);
  if (!(Number.isSafeInteger(reps) && reps >= 1)) throw new RangeError('--reps must be a positive integer');
  const started = new Date();
  const before = loadavg().map((x) => round(x, 2));
  const r = await benchAlu(reps).catch((e: unknown) => {
    // A missing compiler or a failed check is the whole answer: its message, without a stack.
    log((e as Error).message);
    process.exit(1);
  });
  const host = { cpu: cpuModel(), vector_flags: cpuVectorFlags(), cores: availableParallelism(), node: process.version, load_average: { before, after: loadavg().map((x) => round(x, 2)) } };
  const result = {
    bench: 'alu',
    what: 'Integer proof (docs/alu-proof.md): counted ops/s (W·L·14 / s) of a native C chain on every core (and limited to 256-bit vectors), the kit’s tuned kernel through runAluProof (GPU lane phase and whole window), the plain kernel x1-wg64, and the TypeScript verifier on one thread; repetitions taken in turns, medians and minima.',
    date: started.toISOString(),
    machine: machineDescription(),
    host,
    ...(values.note ? { note: values.note } : {}),
    command: `npm run bench:alu${reps === 5 ? '' : ` -- --reps ${reps}`}`,
    reps,
    ...r,
  };
  const file = values.out ?? `bench/results/alu-${started.toISOString().slice(0, 10)}.json`;
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
  log(`wrote ${file}`);
}
