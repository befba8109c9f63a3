// The integer-throughput proof's round function (docs/alu-proof.md §1–§2): a permutation of a
// 128-bit state of four u32 words using only add, xor, rotate and 32×32→32 multiply, and the
// derivation of a lane's start from the challenge seed. The reference the WGSL twin
// (shaders/alu_round.wgsl) and fixtures/alu.json are held to. Int32 arithmetic (`| 0`,
// Math.imul) keeps V8 on small integers; results are returned as u32.
import { chacha20Block, streamKey } from './generator.js';

/** Stream of lane starts: lane i is words 4i .. 4i+3 (docs/alu-proof.md §2). */
export const STREAM_ALU_LANE = 'alu.lane';
/** Stream whose word 0 is the challenge's round constant s. */
export const STREAM_ALU_ROUND = 'alu.round';

/** Lanes are indexed by a u32: four lanes a ChaCha block, so lane i < 2^32 stays in block < 2^30. */
export const MAX_ALU_LANES = 2 ** 32;

/** Native ops of one round, as counted by the throughput figure (a rotate is one op). */
export const ALU_OPS_PER_ROUND = { add: 5, xor: 5, rotate: 2, multiply: 2 } as const;
export const ALU_OPS_TOTAL = 14;

/** A state: four u32 words (a, b, c, d). */
export type AluState = Uint32Array;

const rotl = (x: number, r: number): number => (x << r) | (x >>> (32 - r));

/** Round t in place on int32 words (a, b, c, d) = w[o..o+3]; k = s + t mod 2^32. */
function roundInPlace(w: Int32Array | Uint32Array, o: number, k: number): void {
  let a = w[o] as number;
  let b = w[o + 1] as number;
  let c = w[o + 2] as number;
  let d = w[o + 3] as number;
  a = Math.imul((a + k) | 0, ((d + d) ^ 1) | 0);
  b = rotl(b ^ a, 13);
  c = Math.imul(c ^ d, ((b + b) ^ 1) | 0);
  d = rotl((d + c) | 0, 7) ^ a;
  w[o] = a;
  w[o + 1] = b;
  w[o + 2] = c;
  w[o + 3] = d;
}

function checkState(x: AluState): void {
  if (!(x instanceof Uint32Array) || x.length !== 4) throw new RangeError('an ALU state is a Uint32Array of 4 words');
}

function checkU32(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v >= 2 ** 32) throw new RangeError(`${name} must be an integer in [0, 2^32)`);
}

/** One round R_t under round constant s: a new state, the input untouched. */
export function aluRound(x: AluState, s: number, t: number): AluState {
  checkState(x);
  checkU32('s', s);
  checkU32('t', t);
  const y = Uint32Array.from(x);
  roundInPlace(y, 0, (s + t) | 0);
  return y;
}

/** Rounds t0 .. t0 + rounds − 1 from x: the chain R_{t0+L−1} ∘ … ∘ R_{t0}. */
export function aluRounds(x: AluState, s: number, rounds: number, t0 = 0): AluState {
  checkState(x);
  checkU32('s', s);
  checkU32('t0', t0);
  if (!Number.isSafeInteger(rounds) || rounds < 0 || t0 + rounds > 2 ** 32) throw new RangeError('rounds must be an integer with t0 + rounds ≤ 2^32');
  const y = Uint32Array.from(x);
  for (let t = 0; t < rounds; t++) roundInPlace(y, 0, (s + t0 + t) | 0);
  return y;
}

/** The challenge's round constant s: word 0 of the `alu.round` stream. */
export function aluRoundConstant(seed: Uint8Array): number {
  return chacha20Block(streamKey(seed, STREAM_ALU_ROUND), 0)[0] as number;
}

/** Lane i's start: words 4i .. 4i+3 of the `alu.lane` stream (row i mod 4 of block ⌊i/4⌋). */
export function aluLaneStartWith(laneKey: Uint8Array, lane: number): AluState {
  if (!Number.isInteger(lane) || lane < 0 || lane >= MAX_ALU_LANES) throw new RangeError('lane must be an integer in [0, 2^32)');
  const at = (lane % 4) * 4;
  return chacha20Block(laneKey, Math.floor(lane / 4)).slice(at, at + 4);
}

export const aluLaneStart = (seed: Uint8Array, lane: number): AluState => aluLaneStartWith(streamKey(seed, STREAM_ALU_LANE), lane);

/** A lane's result: its state after L rounds from its start. */
export function aluLane(seed: Uint8Array, lane: number, rounds: number): AluState {
  return aluRounds(aluLaneStart(seed, lane), aluRoundConstant(seed), rounds);
}

/** The 16-byte little-endian serialization of a state (a, b, c, d). */
export function aluStateBytes(x: AluState): Uint8Array {
  checkState(x);
  const out = new Uint8Array(16);
  const v = new DataView(out.buffer);
  for (let i = 0; i < 4; i++) v.setUint32(4 * i, x[i] as number, true);
  return out;
}

