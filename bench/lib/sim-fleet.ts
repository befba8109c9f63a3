// The simulated executors of bench/validator-scale.ts in a process of their own, so that their
// CPU (the reference chain, Merkle trees, signatures) is not counted as the validator's.
// Started with fork(): argv `COUNT COMPUTE_MS`; sends {type:'ready', executors} once listening, and
// on {type:'sample'} answers {type:'sample', …} with its CPU time, its event-loop delay since the
// last sample and its counters. Exits when the parent disconnects.
import { startSimExecutors } from '../../test/helpers/sim-executor.js';
import { loopDelay, type Delays } from './scale-measure.js';

export interface FleetSample {
  type: 'sample';
  cpuMs: number;
  loopDelayMs: Delays;
  challenges: number;
  openings: number;
  errors: number;
  overran: number;
}

const [count, computeMs] = process.argv.slice(2).map(Number);
if (!process.send || !Number.isSafeInteger(count) || !Number.isFinite(computeMs)) {
  console.error('usage: fork(sim-fleet.ts, [COUNT, COMPUTE_MS]) with an IPC channel');
  process.exit(2);
}
const fleet = await startSimExecutors({ count: count as number, computeMs: computeMs as number });
const loop = loopDelay();
process.on('message', (m: { type?: string }) => {
  if (m.type !== 'sample') return;
  const cpu = process.cpuUsage();
  const sample: FleetSample = {
    type: 'sample',
    cpuMs: (cpu.user + cpu.system) / 1000,
    loopDelayMs: loop.read(),
    ...fleet.stats,
  };
  loop.reset();
  process.send?.(sample);
});
process.on('disconnect', () => {
  void fleet.close().then(() => process.exit(0));
});
process.send({ type: 'ready', executors: fleet.executors });
