// classes: the class table; calibrate: N selftest runs summarised as a class-table entry to paste.
import type { Argv } from 'yargs';
import { join } from 'node:path';
import { withGpu } from '../gpu/context.js';
import { loadClassTable, type GpuClass } from '../roles/classes.js';
import { calibrationEntry } from '../roles/calibrate.js';
import { KIT_VERSION } from '../roles/autotune.js';
import { selftest } from '../roles/selftest.js';
import { gpuproofHome, intOption } from './inputs.js';
import { selftestSizes, sizeOptions } from './selftest-sizes.js';
import { makeOut, table, type SetCode } from './output.js';

type Args = Record<string, unknown> & { json: boolean };

const floorText = (c: GpuClass, k: keyof GpuClass['floors']): string => {
  const f = c.floors?.[k] as { value: number; basis: string } | null | undefined;
  return f ? `${f.value}${f.basis === 'measured' ? ' (m)' : ''}` : '—';
};

export function classCommands<T>(y: Argv<T>, setCode: SetCode): Argv<T> {
  return y
    .command('classes', 'print the GPU class table: floors per class, with provenance', (c) => c
      .example('$0 classes', 'the ids --claim accepts, with their floors')
      .example('$0 classes --json', 'the whole table in its own file format'), async (raw) => {
      const a = raw as unknown as Args;
      const out = makeOut(a.json, 'classes');
      const t = loadClassTable();
      const rows = [...t.classes].sort((x, z) => z.rank - x.rank).map((c) => [c.id, String(c.rank), c.name, floorText(c, 'f32_gflops'), floorText(c, 'tensor_gflops'), floorText(c, 'bandwidth_gbs'), floorText(c, 'capacity_gib'), floorText(c, 'int_gops')]);
      // Nested: the table is a document in its own format (its own `version`, snake_case keys).
      out.result({ table: t }, `${table([['class', 'rank', 'name', 'f32 GFLOPS', 'tensor GFLOPS', 'GB/s', 'GiB', 'int GOPS'], ...rows])}\n\nfloors are estimated (datasheet × efficiency) unless marked (m) for measured; see docs/scoring.md`);
      setCode(0);
    })
    .command('calibrate', 'run the proofs N times and print measured floors as a class-table entry', (c) => sizeOptions(c)
      .example('$0 calibrate --runs 5', 'five selftests summarised as an entry for fixtures/gpu-classes.json')
      .example('$0 calibrate --runs 5 --alu-lanes 0', 'the same without the integer proof, so with no integer floor (sizes as selftest\'s)')
      .option('runs', { type: 'number', default: 5, describe: 'selftest runs' }), async (raw) => {
      const a = raw as unknown as Args;
      const out = makeOut(a.json, 'calibrate');
      const runs = intOption(a.runs, 'runs', 1, 1000);
      const sizes = selftestSizes(a);
      const figures = await withGpu({}, async (ctx) => {
        const all = [];
        for (let i = 0; i < runs; i++) {
          const r = await selftest(ctx, { ...sizes, tuneCache: join(gpuproofHome(), 'autotune.json') });
          if (!r.accepted) throw new Error(`run ${i + 1} was rejected: ${r.checks.filter((x) => !x.pass).map((x) => x.name).join(', ')}`);
          all.push({ figures: r.judgement.figures, adapter: r.adapter.description || r.adapter.device });
          out.progress?.('calibrate', i + 1, runs);
        }
        return all;
      }).finally(out.progressEnd);
      const entry = calibrationEntry(figures.map((f) => f.figures), figures[0]?.adapter ?? 'unknown', KIT_VERSION, new Date().toISOString().slice(0, 10));
      out.result({ entry }, JSON.stringify(entry, null, 2));
      setCode(0);
    });
}
