// The verifier's lane recomputation: whole lanes from their starts, four at a time with every word
// in a local, so V8 keeps them in registers and the CPU overlaps four dependent chains as the GPU
// kernels do. Bit-exact with aluLane (test/alu-round.test.ts); about 4× fewer ns a lane-round than
// one lane through a typed array.
import { streamKey } from './generator.js';
import { aluLaneStartWith, aluRoundConstant, MAX_ALU_LANES, STREAM_ALU_LANE } from './alu-round.js';

/** The final states of `lanes` (in the order given) after `rounds` rounds: 4 words a lane. */
export function aluLaneResults(seed: Uint8Array, lanes: readonly number[], rounds: number): Uint32Array {
  if (!Number.isSafeInteger(rounds) || rounds < 0 || rounds > 2 ** 32) throw new RangeError('rounds must be an integer in [0, 2^32]');
  for (const l of lanes) if (!Number.isInteger(l) || l < 0 || l >= MAX_ALU_LANES) throw new RangeError('lane must be an integer in [0, 2^32)');
  const key = streamKey(seed, STREAM_ALU_LANE);
  const s = aluRoundConstant(seed);
  const out = new Uint32Array(lanes.length * 4);
  lanes.forEach((l, i) => out.set(aluLaneStartWith(key, l), 4 * i));
  const w = new Int32Array(out.buffer);
  for (let i = 0; i < lanes.length; i += 4) chains4(w, i * 4, Math.min(4, lanes.length - i), s, rounds);
  return out;
}

// Four chains at once (fewer at the tail: the unused ones run on zeros and are not stored).
function chains4(w: Int32Array, o: number, n: number, s: number, rounds: number): void {
  const get = (j: number, x: number): number => (j < n ? (w[o + 4 * j + x] as number) : 0);
  let a0 = get(0, 0), b0 = get(0, 1), c0 = get(0, 2), d0 = get(0, 3);
  let a1 = get(1, 0), b1 = get(1, 1), c1 = get(1, 2), d1 = get(1, 3);
  let a2 = get(2, 0), b2 = get(2, 1), c2 = get(2, 2), d2 = get(2, 3);
  let a3 = get(3, 0), b3 = get(3, 1), c3 = get(3, 2), d3 = get(3, 3);
  for (let t = 0; t < rounds; t++) {
    const k = (s + t) | 0;
    a0 = Math.imul((a0 + k) | 0, (d0 + d0) ^ 1);
    a1 = Math.imul((a1 + k) | 0, (d1 + d1) ^ 1);
    a2 = Math.imul((a2 + k) | 0, (d2 + d2) ^ 1);
    a3 = Math.imul((a3 + k) | 0, (d3 + d3) ^ 1);
    b0 ^= a0; b0 = (b0 << 13) | (b0 >>> 19);
    b1 ^= a1; b1 = (b1 << 13) | (b1 >>> 19);
    b2 ^= a2; b2 = (b2 << 13) | (b2 >>> 19);
    b3 ^= a3; b3 = (b3 << 13) | (b3 >>> 19);
    c0 = Math.imul(c0 ^ d0, (b0 + b0) ^ 1);
    c1 = Math.imul(c1 ^ d1, (b1 + b1) ^ 1);
    c2 = Math.imul(c2 ^ d2, (b2 + b2) ^ 1);
    c3 = Math.imul(c3 ^ d3, (b3 + b3) ^ 1);
    d0 = (d0 + c0) | 0; d0 = ((d0 << 7) | (d0 >>> 25)) ^ a0;
    d1 = (d1 + c1) | 0; d1 = ((d1 << 7) | (d1 >>> 25)) ^ a1;
    d2 = (d2 + c2) | 0; d2 = ((d2 << 7) | (d2 >>> 25)) ^ a2;
    d3 = (d3 + c3) | 0; d3 = ((d3 << 7) | (d3 >>> 25)) ^ a3;
  }
  const fin = [a0, b0, c0, d0, a1, b1, c1, d1, a2, b2, c2, d2, a3, b3, c3, d3];
  for (let j = 0; j < n; j++) for (let x = 0; x < 4; x++) w[o + 4 * j + x] = fin[4 * j + x] as number;
}
