// One verdict as the human output and the HTML report show it, whether it came from a selftest
// (validator and executor in this process) or from attest (a receipt the validator signed): the
// verdict, the failures, each figure against the floors of the claimed and detected classes, the
// sizes and the timings. Both renderings read this, so they cannot disagree.
import { isSoftwareAdapter } from '../gpu/adapter-info.js';
import { checkFloors, DIMENSIONS, loadClassTable, type Dimension, type FloorCheck, type Figures } from '../roles/classes.js';
import { figuresOf } from '../roles/judge.js';
import type { SelftestResult } from '../roles/selftest.js';
import type { Check, Verification } from '../roles/verifier.js';
import type { AluFigures } from '../roles/verifier-alu.js';
import type { CardResult } from '../server/attest.js';
import type { SignedVerdict } from '../protocol/schemas.js';

export interface VerdictView {
  source: 'selftest' | 'attest';
  accepted: boolean;
  class: string | null;
  score: number;
  claim: { id: string; holds: boolean } | null;
  adapter: string;
  checks: Check[];
  /** The floors of the claimed class and of the detected class, in that order. */
  floors: FloorCheck[];
  figures: Figures;
  /** What was proven and how big: label, text. */
  sizes: [string, string][];
  timings: [string, string][];
  /** attest only: the signed receipt, embedded in the report. */
  receipt?: SignedVerdict;
}

export const UNITS: Record<Dimension, string> = {
  'matmul.f32_gflops': 'GFLOPS',
  'matmul.tensor_gflops': 'GFLOPS',
  'memory.bandwidth_gbs': 'GB/s',
  'memory.capacity_gib': 'GiB',
  'alu.int_gops': 'GOPS',
};

export const fmt = (x: number | null | undefined): string => (x === null || x === undefined ? '—' : x >= 100 ? x.toFixed(0) : x >= 0.01 || x === 0 ? x.toFixed(2) : x.toPrecision(2));
const ms = (x: number | null | undefined): string => (x === null || x === undefined ? '—' : `${x >= 100 ? x.toFixed(0) : x.toFixed(1)} ms`);

/** The measured figure as a percentage of its floor (linear), or null when not measured. */
export const pctOfFloor = (f: FloorCheck): number | null => (f.measured === null || f.floor <= 0 ? null : (f.measured / f.floor) * 100);

export function formatPct(p: number | null): string {
  if (p === null) return '—';
  if (p >= 10) return `${p.toFixed(0)} %`;
  if (p >= 1) return `${p.toFixed(1)} %`;
  if (p >= 0.01 || p === 0) return `${p.toFixed(2)} %`;
  return '<0.01 %';
}

export const failedChecks = (v: VerdictView): Check[] => v.checks.filter((c) => !c.pass);
export const failedFloors = (v: VerdictView): FloorCheck[] => v.floors.filter((f) => f.status === 'fail');
/** Dimensions measured (or asked for) that no shown floor covers. */
export const bareDimensions = (v: VerdictView): Dimension[] => DIMENSIONS.filter((d) => !v.floors.some((f) => f.dimension === d));

const floorsFor = (ids: (string | null | undefined)[], all: FloorCheck[]): FloorCheck[] => {
  const want = [...new Set(ids.filter((x): x is string => typeof x === 'string'))];
  return want.flatMap((id) => all.filter((f) => f.class === id));
};

type Measured = Verification['measured'];

function sizesOf(m: Measured, floors: FloorCheck[], cls: string | null): [string, string][] {
  const mm = m.matmul;
  const mem = m.memory;
  return [
    ['matmul', `n = ${mm.n}, K = ${mm.iterations}, ${mm.rowsOpened} rows opened (${mm.rowCheck}), ${mm.path} kernel ${mm.kernel}; ${fmt(mm.gflopsObserved)} GFLOPS observed, ${fmt(mm.gflopsReported)} reported (${mm.timingMethod})`],
    ['memory', mem ? `${mem.mib} MiB in ${mem.chunks} chunks, P = ${mem.passes}, ${mem.blocksOpened} blocks opened; ${fmt(mem.bandwidthGbsObserved)} GB/s observed, ${fmt(mem.bandwidthGbsReported)} reported` : 'not proven'],
    ['integer', integerText(m.alu, floors, cls)],
  ];
}

/**
 * The class table's integer dimension. Typed as a plain string and matched by name, so this reads
 * the floor from the FloorCheck list once the table has one and says "no floor" until then.
 */
export const ALU_DIMENSION: string = 'alu.int_gops';

/**
 * The integer proof's figure next to its floor(s): `14.9 GOPS (own window; floor for x: N GOPS,
 * p %)`, then what was proven. A class with no floors at all is a software or unlisted class; a
 * GPU class without this one is a table that has no integer floors yet.
 */
export function integerText(alu: AluFigures | undefined, floors: FloorCheck[], cls: string | null): string {
  if (!alu) return 'not proven';
  const own = floors.filter((f) => (f.dimension as string) === ALU_DIMENSION);
  const against = own.length > 0
    ? own.map((f) => `floor for ${f.class}: ${fmt(f.floor)} GOPS, ${formatPct(pctOfFloor(f))}`).join('; ')
    : cls === null ? 'no floor: no class' : floors.some((f) => f.class === cls) ? `no floor: the class table has none for ${cls}` : `no floor: ${cls} class`;
  return `${fmt(alu.intGopsObserved)} GOPS (${alu.window} window; ${against}); ${alu.lanes} lanes × ${alu.rounds} rounds, ${alu.lanesOpened} lanes opened, kernel ${alu.kernel}; ${fmt(alu.intGopsReported)} reported`;
}

export function viewOfSelftest(r: SelftestResult): VerdictView {
  const c = r.judgement.classification;
  const a = r.adapter;
  const t = r.timings;
  const floors = floorsFor([c.claim?.id, c.class], c.floors);
  return {
    source: 'selftest',
    accepted: r.accepted,
    class: r.class,
    score: r.score,
    claim: c.claim ? { id: c.claim.id, holds: c.claim.status === 'ok' } : null,
    adapter: `${a.description || a.device} (${a.vendor}, ${a.backend})${isSoftwareAdapter(a) ? ' [software]' : ''}`,
    checks: r.checks,
    floors,
    figures: r.judgement.figures,
    sizes: sizesOf(r.measured, floors, r.class),
    timings: [['commit', ms(t.commitMs)], ['open', ms(t.openMs)], ['verify', ms(t.verifyMs)], ['total', ms(t.totalMs)]],
  };
}

/** An attested card: its figures come from the signed receipt, its floors from the class table. */
export function viewOfAttest(card: CardResult, claim: string, url: string, rttMs: number | null): VerdictView {
  const body = card.receipt.body;
  const measured = body.measured as unknown as Measured;
  const figures = figuresOf({ measured } as Verification);
  const table = loadClassTable();
  const all = table.classes.flatMap((k) => (k.id === claim || k.id === body.class ? checkFloors(k, figures) : []));
  const claimCheck = body.checks.find((k) => k.name === 'class.claim');
  const floors = floorsFor([claim === 'any' ? null : claim, body.class], all);
  return {
    source: 'attest',
    accepted: body.accepted,
    class: body.class,
    score: body.score,
    claim: claim === 'any' ? null : { id: claim, holds: claimCheck?.pass ?? false },
    adapter: `${url}${card.adapter === null ? '' : `, card ${card.adapter}`} (executor ${body.executorKey})`,
    checks: body.checks,
    floors,
    figures,
    sizes: measured.matmul ? sizesOf(measured, floors, body.class) : [],
    timings: [['observed window', ms(card.observedMs)], ['round trip (median)', ms(rttMs)]],
    receipt: card.receipt,
  };
}
