// validate has no --claim: each executor's claim comes from the executors file, and its challenges
// must be sized for that claim as attest sizes for --claim (the class's matrix size, a memory
// proof of its capacity and the integer proof its sizes give), or a claimed class is judged on a
// challenge too small to reach it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadClassTable } from '../src/roles/classes.js';
import { sizeForClass } from '../src/roles/sizing.js';
import { claimedAlu } from '../src/cli/alu-options.js';
import { MEMORY_ONLY_MATMUL } from '../src/roles/validator.js';
import { buildCli, describeResult, runCli } from './helpers/cli.js';
import { startSimExecutors, type SimFleet } from './helpers/sim-executor.js';

const CLAIM = 'h100-sxm';
const root = mkdtempSync(join(tmpdir(), 'gpuproof-validate-sizing-'));
let sim: SimFleet;
let proxy: Server;
/** The challenges validate sent, each refused so no work is done. */
const challenges: { matmul: { n: number; iterations: number }; memory?: { mib: number }; alu?: { lanes: number; rounds: number } }[] = [];

before(async () => {
  await buildCli();
  sim = await startSimExecutors({ count: 1 });
  const target = new URL(sim.executors[0]!.url);
  // /v1/info from the simulated executor; every challenge recorded and refused.
  proxy = createServer((req, res) => {
    if (req.method === 'GET') {
      req.pipe(request({ host: target.hostname, port: target.port, path: req.url, method: 'GET', headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      }));
      return;
    }
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      challenges.push((JSON.parse(body) as { body: (typeof challenges)[number] }).body);
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'INPUT', field: 'body', message: 'refused by the test' } }));
    });
  });
  proxy.listen(0, '127.0.0.1');
  await once(proxy, 'listening');
});

after(async () => {
  proxy?.close();
  await sim?.close();
  rmSync(root, { recursive: true, force: true });
});

test('validate sizes each executor\'s challenges for the claim its entry makes', async () => {
  const home = join(root, 'home');
  mkdirSync(home);
  const key = join(root, 'validator.key');
  assert.equal((await runCli(['keygen', '--out', key], { home })).code, 0);
  const executors = join(root, 'executors.json');
  const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  writeFileSync(executors, JSON.stringify([{ url, publicKey: sim.executors[0]!.publicKey, claim: CLAIM }]));
  const r = await runCli(['validate', '--executors', executors, '--key', key, '--db', join(root, 'receipts.db'), '--timeout', '20', '--json'], { home, cwd: root });
  assert.equal(r.code, 1, describeResult(r));
  const sized = sizeForClass(loadClassTable(), CLAIM);
  assert.ok(sized.memory.mib > 0, 'the claimed class has a memory floor');
  assert.deepEqual(challenges.map((c) => c.memory?.mib ?? 0).filter((m) => m > 0), [sized.memory.mib], JSON.stringify(challenges));
  // The integer proof in a challenge of its own, beside the smallest matmul, as the memory proof is.
  assert.deepEqual(challenges.filter((c) => c.alu !== undefined).map((c) => [c.alu, c.matmul, c.memory]), [[claimedAlu(sized), MEMORY_ONLY_MATMUL, undefined]], JSON.stringify(challenges));
  assert.deepEqual(challenges.filter((c) => c.memory === undefined && c.alu === undefined).map((c) => c.matmul), [sized.matmul], JSON.stringify(challenges));
});
