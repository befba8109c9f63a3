import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GpuproofError } from '../src/errors.js';
import { parseJsonText, parseMessage, readMessageFile } from '../src/protocol/parse.js';
import { MESSAGE_TYPES, type MessageType } from '../src/protocol/schemas.js';
import { verifySignature } from '../src/protocol/signing.js';
import { applyMutation, loadMalformedTable, malformedCases, mutatedText } from './helpers/malformed.js';
import { readFileSync } from 'node:fs';

const fixtures = JSON.parse(readFileSync(new URL('../fixtures/signatures.json', import.meta.url), 'utf8')) as {
  messages: Record<MessageType, { envelope: unknown }>;
};
const valid = (type: MessageType): unknown => fixtures.messages[type].envelope;

function inputErrorAt(field: string) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof GpuproofError, `expected GpuproofError, got ${String(err)}`);
    assert.equal(err.code, 'INPUT');
    assert.equal(err.field, field, err.message);
    return true;
  };
}

test('the table has cases for every message type and nothing else', () => {
  const table = loadMalformedTable();
  assert.deepEqual(Object.keys(table.perType).sort(), [...MESSAGE_TYPES].sort());
  for (const cases of Object.values(table.perType)) assert.ok(cases.length >= 20);
});

test('every valid fixture message parses and verifies', () => {
  for (const type of MESSAGE_TYPES) {
    const msg = parseJsonText(type, JSON.stringify(valid(type)));
    assert.ok(verifySignature(msg));
  }
});

for (const type of MESSAGE_TYPES) {
  test(`every malformed ${type} is an INPUT error naming its field`, () => {
    const cases = malformedCases(type, valid(type));
    const names = new Set<string>();
    for (const c of cases) {
      assert.ok(!names.has(c.name), `duplicate case name ${c.name}`);
      names.add(c.name);
      assert.throws(() => parseJsonText(type, c.text), inputErrorAt(c.field), `${type} / ${c.name}`);
    }
  });

  test(`a ${type} is refused under every other type's schema, on field type`, () => {
    for (const other of MESSAGE_TYPES) {
      if (other === type) continue;
      assert.throws(() => parseMessage(other, valid(type)), inputErrorAt('type'));
    }
  });
}

test('mutations never touch the valid message', () => {
  const before = JSON.stringify(valid('challenge'));
  applyMutation(valid('challenge'), { path: ['body', 'matmul', 'n'], value: 1 });
  applyMutation(valid('challenge'), { delete: ['body', 'seed'] });
  assert.equal(JSON.stringify(valid('challenge')), before);
});

test('a __proto__ mutation is an own property, as JSON.parse makes it', () => {
  const m = applyMutation(valid('challenge'), { path: ['__proto__'], value: {} }) as object;
  assert.ok(Object.hasOwn(m, '__proto__'));
  assert.match(JSON.stringify(m), /"__proto__":\{\}/);
});

test('a duplicate mutation is a real cheat: the name twice in the text, JSON.parse alone keeping the second value', () => {
  const text = mutatedText(valid('challenge'), { duplicate: ['body', 'executorKey'], value: 'Kay64UG8yvCyLhqU000LxzYeUm0L/hLIl5S8kyKWbdc=', spelling: '\\u0065xecutorKey' });
  assert.equal(text.split('"\\u0065xecutorKey":').length, 2);
  assert.equal(text.split('"executorKey":').length, 2);
  assert.equal((JSON.parse(text) as { body: { executorKey: string } }).body.executorKey, 'Kay64UG8yvCyLhqU000LxzYeUm0L/hLIl5S8kyKWbdc=');
  assert.throws(() => applyMutation(valid('challenge'), { duplicate: ['body', 'id'] }), /mutatedText/);
  const table = loadMalformedTable();
  const dups = [...table.envelope, ...Object.values(table.perType).flat()].filter((c) => 'duplicate' in c.mutation);
  assert.ok(dups.length >= 10 && table.generic.filter((c) => c.name.startsWith('duplicate')).length >= 5);
});

test('readMessageFile: same answers from a file, plus UTF-8, size and IO errors', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gpuproof-malformed-'));
  try {
    const cases = malformedCases('commitment', valid('commitment')).filter((c) => !c.large);
    for (const c of cases.slice(0, 40)) {
      const file = join(dir, 'm.json');
      writeFileSync(file, c.text);
      await assert.rejects(readMessageFile('commitment', file), inputErrorAt(c.field), c.name);
    }
    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify(valid('commitment'), null, 2));
    assert.ok(verifySignature(await readMessageFile('commitment', good)));
    await assert.rejects(readMessageFile('commitment', good, 100), inputErrorAt('$'));
    const latin1 = join(dir, 'latin1.json');
    writeFileSync(latin1, Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x7d]));
    await assert.rejects(readMessageFile('commitment', latin1), inputErrorAt('$'));
    await assert.rejects(readMessageFile('commitment', join(dir, 'missing.json')), (e: unknown) => {
      assert.ok(e instanceof GpuproofError);
      assert.equal(e.code, 'IO');
      return true;
    });
    await assert.rejects(readMessageFile('commitment', dir), (e: unknown) => e instanceof GpuproofError && e.code === 'IO');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
