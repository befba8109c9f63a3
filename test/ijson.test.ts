// I-JSON (RFC 7493): a repeated member name is refused at every entry point, naming its path. The
// scanner is held to its contract on hand-picked texts and on random JSON with one name repeated,
// and each reader (message, class table, agent answers) is fed a duplicate it would otherwise take.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { GpuproofError } from '../src/errors.js';
import { duplicateMember, fieldOf, parseIJson, type JsonPath } from '../src/protocol/ijson.js';
import { parseJsonText } from '../src/protocol/parse.js';
import { DEFAULT_CLASS_TABLE_PATH, loadClassTable } from '../src/roles/classes.js';
import { AgentClient, AgentRefusal } from '../src/server/client.js';
import { FileReplayStore } from '../src/roles/stores.js';
import type { SignedChallenge } from '../src/protocol/schemas.js';
import { mutatedText } from './helpers/malformed.js';
import { NET_LIMIT } from './helpers/limits.js';

const fixtures = JSON.parse(readFileSync(new URL('../fixtures/signatures.json', import.meta.url), 'utf8')) as {
  messages: { challenge: { envelope: SignedChallenge }; commitment: { envelope: unknown } };
};

const inputAt = (field: string, says = /duplicate member/) => (e: unknown): boolean => {
  assert.ok(e instanceof GpuproofError, String(e));
  assert.equal(e.code, 'INPUT', e.message);
  assert.equal(e.field, field, e.message);
  assert.match(e.message, says);
  return true;
};

test('duplicateMember finds the repeated name and its path', NET_LIMIT, () => {
  const found: [string, JsonPath][] = [
    ['{"a":1,"a":2}', ['a']],
    ['{"a":1,"\\u0061":2}', ['a']],
    ['{"a":1,"b":{"a":1},"a":3}', ['a']],
    ['{"x":[{"k":0},{"k":1,"k":2}]}', ['x', 1, 'k']],
    ['[1,[2,3],{"q":"a,b","q":1}]', [2, 'q']],
    ['{"a\\"b":1,"a\\u0022b":2}', ['a"b']],
    ['{"\\\\":1,"\\u005c":2}', ['\\']],
    ['{"\\ud83d\\ude00":1,"\u{1F600}":2}', ['\u{1F600}']],
    ['{"":1,"":2}', ['']],
    ['{"v":"}\\"{","w":"]","v":0}', ['v']],
    [' {\n  "a" : { "b" : [ { } , { "c" : 1 , "c" : 2 } ] }\n}', ['a', 'b', 1, 'c']],
  ];
  for (const [text, path] of found) {
    JSON.parse(text); // valid JSON, as the scanner requires
    assert.deepEqual(duplicateMember(text), path, text);
  }
});

test('duplicateMember passes texts whose names are all unique in their own object', NET_LIMIT, () => {
  const clean = [
    '{"a":{"x":1},"b":{"x":1}}',
    '[{"k":0},{"k":0}]',
    '{"a":1,"A":2,"\\u0041a":3}',
    '{"ab":1,"a":2,"b":3,"a\\u0062c":4}',
    '{"s":"\\"s\\":1","t":"\\\\","s2":"\\\\\\""}',
    '{"a":{"a":{"a":{}}}}',
    '"{\\"a\\":1,\\"a\\":2}"',
    '42',
    '[]',
  ];
  for (const text of clean) {
    JSON.parse(text);
    assert.equal(duplicateMember(text), null, text);
  }
});

test('deep nesting costs no stack: a duplicate 50 000 levels down is found', NET_LIMIT, () => {
  const depth = 50_000;
  const text = `${'{"a":'.repeat(depth)}{"z":1,"z":2}${'}'.repeat(depth)}`;
  const path = duplicateMember(text);
  assert.equal(path?.length, depth + 1);
  assert.equal(path?.[depth], 'z');
});

/** Paths of every object member in a JSON value. */
function memberPaths(v: unknown, at: JsonPath = []): JsonPath[] {
  if (typeof v !== 'object' || v === null) return [];
  if (Array.isArray(v)) return v.flatMap((x, i) => memberPaths(x, [...at, i]));
  return Object.entries(v).flatMap(([k, x]) => [[...at, k], ...memberPaths(x, [...at, k])]);
}

test('on random JSON: none found in JSON.stringify output; one repeated name found at its path', NET_LIMIT, () => {
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 4 }), fc.nat(), fc.boolean(), (value, pick, pretty) => {
      const text = JSON.stringify(value, null, pretty ? 2 : undefined);
      assert.equal(duplicateMember(text), null);
      const paths = memberPaths(value);
      const path = paths[pick % Math.max(paths.length, 1)];
      if (path === undefined) return;
      const dup = mutatedText(value, { duplicate: path, value: null });
      assert.deepEqual(duplicateMember(dup), path, dup);
      assert.throws(() => parseIJson(dup), inputAt(fieldOf(path)));
    }),
    { numRuns: 300 },
  );
});

test('parseIJson: syntax errors name the field (or $) and the source; a duplicate names its path', NET_LIMIT, () => {
  assert.throws(() => parseIJson('{"a":'), inputAt('$', /not JSON/));
  assert.throws(() => parseIJson('[', { field: 'executors', source: 'list.json' }), inputAt('executors', /^executors: list\.json: not JSON/));
  assert.throws(() => parseIJson('[{"url":"x","url":"y"}]', { field: 'executors', source: 'list.json' }), inputAt('executors.0.url', /list\.json: duplicate member name "url"/));
  assert.deepEqual(parseIJson('{"a":[1,{"b":2}]}'), { a: [1, { b: 2 }] });
});

test('a message with a repeated member is refused before its schema, at the repeated member', NET_LIMIT, () => {
  const env = fixtures.messages.challenge.envelope;
  // The cheat: JSON.parse alone would keep the second n and the signature would be checked on it.
  const text = mutatedText(env, { duplicate: ['body', 'matmul', 'n'], value: 4096 });
  assert.equal((JSON.parse(text) as SignedChallenge).body.matmul.n, 4096);
  assert.throws(() => parseJsonText('challenge', text), inputAt('body.matmul.n'));
  assert.doesNotThrow(() => parseJsonText('challenge', JSON.stringify(env)));
});

test('the class table: a repeated member names class-table.<path>', NET_LIMIT, () => {
  const dir = mkdtempSync(join(tmpdir(), 'gpuproof-ijson-'));
  try {
    const raw = JSON.parse(readFileSync(DEFAULT_CLASS_TABLE_PATH, 'utf8')) as unknown;
    const file = join(dir, 'classes.json');
    writeFileSync(file, mutatedText(raw, { duplicate: ['classes', 0, 'id'], value: 'h100-sxm' }));
    assert.throws(() => loadClassTable(file), inputAt('class-table.classes.0.id'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a replay store file with a repeated member is refused, naming it', NET_LIMIT, () => {
  const dir = mkdtempSync(join(tmpdir(), 'gpuproof-ijson-'));
  try {
    const file = join(dir, 'seen.json');
    writeFileSync(file, '{"seen":{"a":1},"issued":{},"seen":{}}');
    assert.throws(() => new FileReplayStore(file), inputAt('seen'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A fake agent answering each path with a fixed status and text. */
async function fakeAgent(answers: Record<string, [number, string]>): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const [status, text] = answers[req.url ?? ''] ?? [404, '{}'];
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(text);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

test('the attest client refuses agent answers with a repeated member, and ignores such an error body', NET_LIMIT, async () => {
  const info = {
    protocol: 1, agent: 'fake', executorKey: 'Kay64UG8yvCyLhqU000LxzYeUm0L/hLIl5S8kyKWbdc=', features: ['matmul'],
    adapters: [{ index: 0, name: null, busy: false, open: true, software: true, report: null }],
    limits: { challengeBytes: 1, openRequestBytes: 1 },
    stats: { runs: 0, openings: 0, refused: 0, busy: 0, malformed: 0, deviceOpens: 0, deviceLosses: 0, pending: 0 },
  };
  const commitment = fixtures.messages.commitment.envelope;
  const { url, server } = await fakeAgent({
    '/v1/info': [200, mutatedText(info, { duplicate: ['executorKey'], value: 'A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=' })],
    '/v1/challenges': [200, mutatedText(commitment, { duplicate: ['body', 'matmul', 'root'], value: 'ab'.repeat(32) })],
    '/v1/openings': [403, '{"error":{"code":"BUSY","field":null,"message":"x","code":"REFUSED"}}'],
  });
  try {
    const client = new AgentClient(url);
    await assert.rejects(client.info(), inputAt('info.executorKey'));
    await assert.rejects(client.postChallenge(fixtures.messages.challenge.envelope), inputAt('body.matmul.root'));
    await assert.rejects(client.postOpenings({} as never), (e: unknown) => e instanceof AgentRefusal && e.status === 403 && e.wireCode === null);
  } finally {
    server.close();
  }
});
