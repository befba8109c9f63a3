// Builds and runs bench/alu_chain.c, the integer proof's lane chain in native code (the CPU
// cheater's best), for bench/alu.ts and test/bench-alu.test.ts. Lane starts come from the kit's
// own ChaCha stream, so the C side holds only the round and any difference is the round's.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chacha20Block, streamKey } from '../src/proofs/generator.js';
import { aluRoundConstant, STREAM_ALU_LANE } from '../src/proofs/alu-round.js';

export const ALU_CHAIN_SOURCE = fileURLToPath(new URL('./alu_chain.c', import.meta.url));

/** Lanes a SIMD vector and vectors interleaved a thread: the variants tried, the fastest kept. */
export interface ChainShape {
  lanesPerVector: number;
  vectors: number;
}
/** 16 × 8 is the fastest here (AVX-512); the others are what suits AVX2, NEON or scalar-only CPUs. */
export const CHAIN_SHAPES: readonly ChainShape[] = [
  { lanesPerVector: 16, vectors: 8 },
  { lanesPerVector: 16, vectors: 6 },
  { lanesPerVector: 8, vectors: 8 },
  { lanesPerVector: 8, vectors: 4 },
  { lanesPerVector: 1, vectors: 8 },
];
/** Shapes for 256-bit vectors (eight u32): lavapipe's width here, for a like-for-like figure. */
export const CHAIN_SHAPES_256: readonly ChainShape[] = [
  { lanesPerVector: 8, vectors: 8 },
  { lanesPerVector: 8, vectors: 4 },
];

export interface Compiler {
  command: string;
  version: string;
}

/** The C compiler ($CC, else cc), or null when there is none to run. */
export function findCompiler(env: NodeJS.ProcessEnv = process.env): Compiler | null {
  const command = env.CC || 'cc';
  const r = spawnSync(command, ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return null;
  return { command, version: (r.stdout.split('\n')[0] ?? '').trim() };
}

export function requireCompiler(): Compiler {
  const cc = findCompiler();
  if (!cc) throw new Error(`the integer bench needs a C compiler: '${process.env.CC || 'cc'}' was not found or did not run (install gcc or clang, or set CC)`);
  return cc;
}

export interface ChainBinary {
  path: string;
  flags: string[];
  shape: ChainShape;
  mutant: boolean;
}

export interface BuildOptions {
  mutant?: boolean;
  /** More compiler flags, e.g. -mno-avx512f for the 256-bit figure; a name suffix keeps builds apart. */
  extra?: string[];
  suffix?: string;
}

/**
 * Compiles the chain into `dir`. -march=native is what a cheater tuning for his own CPU would use;
 * a compiler that refuses it (some targets) gets the build without it, and the flags say so.
 */
export function buildChain(cc: Compiler, dir: string, shape: ChainShape = CHAIN_SHAPES[0] as ChainShape, opts: BuildOptions = {}): ChainBinary {
  const mutant = opts.mutant ?? false;
  const name = `alu_chain_${shape.lanesPerVector}x${shape.vectors}${mutant ? '_mutant' : ''}${opts.suffix ?? ''}`;
  const path = join(dir, name);
  const defs = [`-DVW=${shape.lanesPerVector}`, `-DNV=${shape.vectors}`, ...(mutant ? ['-DALU_MUTANT'] : [])];
  let last = '';
  for (const arch of [['-march=native'], []]) {
    const flags = ['-O3', ...arch, ...(opts.extra ?? []), '-pthread', ...defs];
    const r = spawnSync(cc.command, [...flags, '-o', path, ALU_CHAIN_SOURCE], { encoding: 'utf8' });
    if (!r.error && r.status === 0) return { path, flags, shape, mutant };
    last = r.error?.message ?? r.stderr;
  }
  throw new Error(`${cc.command} could not build ${ALU_CHAIN_SOURCE}: ${last.trim()}`);
}

/** Lanes 0 .. lanes − 1's starts, 4 words a lane: whole ChaCha blocks, four lanes each. */
export function aluStarts(seed: Uint8Array, lanes: number): Uint32Array {
  const key = streamKey(seed, STREAM_ALU_LANE);
  const out = new Uint32Array(Math.ceil(lanes / 4) * 16);
  for (let b = 0; b < out.length / 16; b++) out.set(chacha20Block(key, b), 16 * b);
  return out.subarray(0, 4 * lanes);
}

const toLe = (w: Uint32Array): Buffer => {
  const buf = Buffer.alloc(w.length * 4);
  w.forEach((x, i) => buf.writeUInt32LE(x, 4 * i));
  return buf;
};

export interface ChainRun {
  seconds: number;
  lanes: number;
  rounds: number;
  threads: number;
  checksum: number;
  /** Final states, 4 words a lane, when asked for. */
  states?: Uint32Array;
}

export interface ChainInput {
  seed: Uint8Array;
  lanes: number;
  rounds: number;
  threads: number;
  /** Precomputed starts (aluStarts), so repetitions do not redo the ChaCha work. */
  starts?: Uint32Array;
  withStates?: boolean;
}

export function runChain(bin: ChainBinary, input: ChainInput): ChainRun {
  const dir = mkdtempSync(join(tmpdir(), 'gpuproof-alu-'));
  try {
    const startsFile = join(dir, 'starts.bin');
    const outFile = join(dir, 'states.bin');
    writeFileSync(startsFile, toLe(input.starts ?? aluStarts(input.seed, input.lanes)));
    const args = [input.lanes, input.rounds, input.threads, aluRoundConstant(input.seed)].map(String);
    const r = spawnSync(bin.path, [...args, startsFile, ...(input.withStates ? [outFile] : [])], { encoding: 'utf8' });
    if (r.error || r.status !== 0) throw new Error(`${bin.path} failed: ${r.error?.message ?? r.stderr.trim()}`);
    const out = JSON.parse(r.stdout) as ChainRun;
    if (input.withStates) {
      const raw = readFileSync(outFile);
      const states = new Uint32Array(input.lanes * 4);
      for (let i = 0; i < states.length; i++) states[i] = raw.readUInt32LE(4 * i);
      out.states = states;
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A scratch directory for binaries, removed by the returned function. */
export function scratchDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'gpuproof-alu-bin-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
