// The integer proof over the network, serve and attest as separate processes: attest runs it in a
// challenge of its own (the smallest matmul beside it, so its window is its own), stores that
// receipt as a component, and joins its figures and an `alu.challenge` check into the card's final
// receipt, its report and its human output; weights counts the component as one. An agent that
// answers one lane wrongly (a proxy changes one byte of a lane's state and signs the openings
// again with the executor's own key) gets its integer component rejected by `alu.paths`, and with
// it the card.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readKeyFile, type KeyPair } from '../src/protocol/keys.js';
import { signMessage } from '../src/protocol/signing.js';
import type { SignedOpenings } from '../src/protocol/schemas.js';
import { fromB64, toB64 } from '../src/util/bytes.js';
import { buildCli, describeResult, runCli } from './helpers/cli.js';
import { spawnServe, type ServeProcess } from './helpers/net.js';
import { PROCESS_LIMIT } from './helpers/limits.js';

let root = '';
let home = '';
let vkey = '';
let ekey = '';
let serve: ServeProcess;
const TINY = ['--n', '32', '--iterations', '2', '--rows', '8'];
const ALU = ['--alu-lanes', '512', '--alu-rounds', '64'];

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'gpuproof-attest-alu-'));
  home = join(root, 'home');
  mkdirSync(home);
  await buildCli();
  vkey = join(root, 'validator.key');
  ekey = join(root, 'executor.key');
  for (const k of [vkey, ekey]) assert.equal((await runCli(['keygen', '--out', k], { home })).code, 0);
  serve = await spawnServe(['--key', ekey, '--allow', vkey], home);
}, PROCESS_LIMIT);

after(async () => {
  if (serve && serve.child.exitCode === null) await serve.stop('SIGKILL');
  if (root) rmSync(root, { recursive: true, force: true });
}, PROCESS_LIMIT);

interface Card {
  accepted: boolean;
  checks: { name: string; pass: boolean; reason: string }[];
  receipt: { body: { measured: Record<string, unknown>; accepted: boolean } };
}

test('attest with the memory and integer proofs: each in its own challenge, both in the final receipt', PROCESS_LIMIT, async () => {
  const db = join(root, 'alu.db');
  const report = join(root, 'report.html');
  const r = await runCli(['attest', serve.url, '--key', vkey, '--db', db, '--json', '--memory-mib', '1', '--passes', '1', ...ALU, ...TINY, '--report', report], { home });
  assert.equal(r.code, 0, describeResult(r));
  const card = (r.json?.cards as Card[])[0];
  for (const name of ['memory.challenge', 'alu.challenge', 'alu.absent']) assert.ok(card?.checks.some((c) => c.name === name && c.pass), `${name} passes in the final receipt`);
  const m = card?.receipt.body.measured ?? {};
  const alu = m.alu as { lanes: number; rounds: number; window: string; intGopsObserved: number; lanesChecked: number } | undefined;
  assert.deepEqual([alu?.lanes, alu?.rounds, alu?.window, alu?.lanesChecked], [512, 64, 'own', 66]);
  assert.ok((alu?.intGopsObserved ?? 0) > 0);
  assert.match(String(m.aluChallenge), /^[0-9a-f]{32}$/);
  assert.notEqual(m.aluChallenge, m.memoryChallenge);
  assert.match(readFileSync(report, 'utf8'), /<tr><th>integer<\/th><td>[\d.]+ GOPS \(own window; no floor: software class\); 512 lanes × 64 rounds/);

  const list = await runCli(['receipts', '--db', db, '--json'], { home });
  assert.equal((list.json?.receipts as unknown[]).length, 3, 'the memory and integer components and the final receipt');
  const w = await runCli(['weights', '--db', db, '--json', '--since', new Date(Date.now() - 600_000).toISOString(), '--epoch-minutes', '60'], { home });
  const e = (w.json?.executors as { attempted: number; components: number }[])[0];
  assert.deepEqual([e?.attempted, e?.components], [1, 2], 'components are not attests');

  const human = await runCli(['attest', serve.url, '--key', vkey, ...ALU, ...TINY], { home });
  assert.equal(human.code, 0, describeResult(human));
  assert.match(human.stdout, /^integer GOPS observed +[\d.]+ \(own window of [\d.]+ ms\)$/m);
});

/** Forwards to the agent, changing one byte of the first lane's state in every openings that has lanes, signed again by `executor`. */
async function wrongLaneProxy(target: string, executor: KeyPair): Promise<{ url: string; server: Server; tampered: () => number }> {
  let tampered = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void fetch(`${target}${req.url ?? '/'}`, { method: req.method ?? 'GET', headers: { 'content-type': 'application/json' }, ...(req.method === 'POST' ? { body: Buffer.concat(chunks) } : {}) })
        .then(async (up) => {
          let text = await up.text();
          if (req.url === '/v1/openings' && up.status === 200) {
            const o = JSON.parse(text) as SignedOpenings;
            const lane = o.body.lanes?.[0];
            if (lane) {
              const state = fromB64(lane.state);
              state[0] = (state[0] as number) ^ 0x80;
              lane.state = toB64(state);
              text = JSON.stringify(signMessage('openings', o.body, executor.secretKey));
              tampered += 1;
            }
          }
          res.writeHead(up.status, { 'content-type': 'application/json' });
          res.end(text);
        })
        .catch(() => res.destroy());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, tampered: () => tampered };
}

test('an agent that answers one lane wrongly is rejected: alu.paths in the component, alu.challenge in the card', PROCESS_LIMIT, async () => {
  const proxy = await wrongLaneProxy(serve.url, await readKeyFile(ekey));
  try {
    const db = join(root, 'wrong-lane.db');
    const r = await runCli(['attest', proxy.url, '--key', vkey, '--executor', `${ekey}.pub`, '--db', db, '--json', ...ALU, ...TINY], { home });
    assert.equal(r.code, 1, describeResult(r));
    assert.equal(r.json?.accepted, false);
    assert.equal(proxy.tampered(), 1, 'only the integer challenge\'s openings had lanes');
    const card = (r.json?.cards as Card[])[0];
    const check = card?.checks.find((c) => c.name === 'alu.challenge');
    assert.equal(check?.pass, false);
    assert.match(check?.reason ?? '', /^integer challenge [0-9a-f]{32} was rejected: alu\.paths: lane \d+ does not match the committed root/);
    const list = await runCli(['receipts', '--db', db, '--json'], { home });
    const receipts = list.json?.receipts as { accepted: boolean; receipt: { body: { checks: { name: string; pass: boolean }[] } } }[];
    const component = receipts.find((x) => x.receipt.body.checks.some((c) => c.name === 'alu.paths'));
    assert.equal(component?.accepted, false);
    assert.equal(component?.receipt.body.checks.find((c) => c.name === 'alu.paths')?.pass, false);
    assert.ok(component?.receipt.body.checks.find((c) => c.name === 'openings.signature')?.pass, 'signed by the executor: only the lane check catches it');
  } finally {
    proxy.server.closeAllConnections();
    proxy.server.close();
  }
});
