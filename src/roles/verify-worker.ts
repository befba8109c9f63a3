// The entry of one verify-pool worker thread: it runs verifyProof on the plain transcripts the
// pool posts and posts back the verdict, or the error, so one bad job never takes the thread down.
import { parentPort } from 'node:worker_threads';
import { GpuproofError } from '../errors.js';
import { verifyProof } from './verifier.js';
import type { VerifyJob, VerifyReply } from './verify-pool.js';

const port = parentPort;
if (!port) throw new Error('verify-worker runs only as a worker thread');

port.on('message', (job: VerifyJob) => {
  let reply: VerifyReply;
  try {
    reply = { id: job.id, verdict: verifyProof(job.input, job.validatorKey) };
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    reply = { id: job.id, error: { code: err instanceof GpuproofError ? err.code : 'INTERNAL', field: err instanceof GpuproofError ? err.field : undefined, message: e.message } };
  }
  port.postMessage(reply);
});
