// Commands that only need the adapter at hand: adapters and selftest.
import type { Argv } from 'yargs';
import { withGpu } from '../gpu/context.js';
import { isSoftwareAdapter } from '../gpu/adapter-info.js';
import { MAX_OPEN_ROWS } from '../protocol/schemas.js';
import { DEFAULT_OPEN_ROWS } from '../roles/validator.js';
import { selftest } from '../roles/selftest.js';
import { candidateVariants } from '../proofs/matmul-variants.js';
import { variantNeedsOf } from '../proofs/matmul-tune.js';
import { selftestJson } from './selftest-output.js';
import { selftestSizes, sizeOptions } from './selftest-sizes.js';
import { selftestHuman } from './selftest-human.js';
import { reportHtml } from './report-html.js';
import { viewOfSelftest } from './verdict-view.js';
import { writeFileAtomic, checkOutPath } from '../util/files.js';
import { join } from 'node:path';
import { gpuproofHome, kernelOption, optionalInt } from './inputs.js';
import { optionalClaim } from './claims.js';
import { makeOut, table, type SetCode } from './output.js';

type Args = Record<string, unknown> & { json: boolean };

export function gpuCommands<T>(y: Argv<T>, setCode: SetCode): Argv<T> {
  return y
    .command('adapters', 'show the WebGPU adapter, its features and limits', (c) => c
      .example('$0 adapters', 'what Dawn picked: vendor, backend, features, limits')
      .example('GPUPROOF_BACKEND=vulkan $0 adapters --json', 'one backend, machine-readable'), async (raw) => {
      const out = makeOut((raw as unknown as Args).json, 'adapters');
      const { report, tensor } = await withGpu({}, async (ctx) => ({
        report: ctx.report,
        tensor: candidateVariants(ctx.device.limits, variantNeedsOf(ctx)).filter((v) => v.tensor).map((v) => v.id),
      }));
      const software = isSoftwareAdapter(report);
      out.result({ adapters: [{ ...report, software, tensorKernels: tensor }] }, table([
        ['vendor', report.vendor], ['architecture', report.architecture], ['device', report.device],
        ['description', report.description], ['backend', report.backend], ['software', String(software)],
        ['features', report.features.join(' ')],
        ['tensor path', tensor.length > 0 ? `${tensor.length} kernels (${[...new Set(tensor.map((id) => id.split('-').slice(0, 3).join('-')))].join(', ')})` : 'none (no exact subgroup-matrix shape)'],
        ['maxStorageBufferBindingSize', String(report.limits.maxStorageBufferBindingSize)],
        ['maxBufferSize', String(report.limits.maxBufferSize)],
      ]));
      setCode(0);
    })
    .command('selftest', 'run validator, executor and verifier in one process on this adapter', (c) => sizeOptions(c)
      .example('$0 selftest', 'the whole protocol at sizes chosen for this adapter')
      .example('$0 selftest --claim h100-sxm --report report.html', 'exit 1 unless the figures reach the class\'s floors')
      .example('$0 selftest --n 256 --memory-mib 4 --alu-lanes 65536 --alu-rounds 4096 --json', 'a quick run at set sizes (0 MiB or 0 lanes skips that proof), machine-readable')
      .option('rows', { type: 'number', describe: `matmul rows opened (m, default ${DEFAULT_OPEN_ROWS})` })
      .option('claim', { type: 'string', describe: 'class to claim (an id from `gpuproof classes`): exit 1 unless its floors are reached' })
      .option('report', { type: 'string', describe: 'write an HTML report to this file: failures first, figures as % of floor, sizes, timings; marked unsigned (attest --report embeds a signed receipt)' })
      .option('kernel', { type: 'string', describe: 'force a matmul variant (default: the autotuner\'s pick, cached per adapter)' })
      .option('warmup', { type: 'boolean', default: true, describe: 'run one small untimed round first, so the timings are not the JIT\'s (--no-warmup to time a cold process)' }), async (raw) => {
      const a = raw as unknown as Args;
      const out = makeOut(a.json, 'selftest');
      const claim = optionalClaim(a.claim);
      // Everything that can be checked without the GPU is, before it is opened.
      const sizes = selftestSizes(a);
      const rows = optionalInt(a, 'rows', 1, MAX_OPEN_ROWS);
      if (typeof a.report === 'string') checkOutPath(a.report, 'report', a.force === true);
      const kernel = kernelOption(a.kernel);
      const tuneCache = join(gpuproofHome(), 'autotune.json');
      const r = await withGpu({}, (ctx) => selftest(ctx, { ...sizes, rows, claim, kernel, tuneCache, warmup: a.warmup !== false, onProgress: out.progress })).finally(out.progressEnd);
      if (typeof a.report === 'string') writeFileAtomic(a.report, reportHtml(viewOfSelftest(r)));
      out.result(selftestJson(r), selftestHuman(r, a.verbose === true), r.accepted);
      setCode(r.accepted ? 0 : 1);
    });
}
