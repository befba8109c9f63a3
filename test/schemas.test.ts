// The machine-readable API: schemas/*.schema.json must be exactly what `npm run schemas` generates
// from the zod schemas today, must accept the known-answer messages and refuse what the kit
// refuses where JSON Schema can say so, and docs/openapi.yaml must be OpenAPI 3.1, document every
// route the agent serves, and point only at schema files that exist. The Python receipt check in
// docs/network.md runs against the JCS and signature vectors wherever PyNaCl is installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { base64Pattern, buildSchemas, SCHEMA_DIR } from '../scripts/gen-schemas.js';
import { MESSAGE_TYPES } from '../src/protocol/schemas.js';
import { PATHS } from '../src/server/wire.js';
import { REPO_ROOT } from './helpers/cli.js';

type Schema = Record<string, unknown>;
const schemaFile = (name: string): Schema => JSON.parse(readFileSync(join(SCHEMA_DIR, name), 'utf8')) as Schema;
const fixtures = JSON.parse(readFileSync(join(REPO_ROOT, 'fixtures', 'signatures.json'), 'utf8')) as { messages: Record<string, { envelope: Schema }> };

test('schemas/ holds exactly the generated schemas, none stale or missing', () => {
  const built = buildSchemas();
  const onDisk = existsSync(SCHEMA_DIR) ? readdirSync(SCHEMA_DIR).filter((f) => f.endsWith('.schema.json')).sort() : [];
  assert.deepEqual(onDisk, [...built.keys()].sort(), 'schemas/ differs from what the generator writes: run `npm run schemas`');
  for (const [name, text] of built) assert.equal(readFileSync(join(SCHEMA_DIR, name), 'utf8'), text, `schemas/${name} is stale: run \`npm run schemas\``);
  for (const t of MESSAGE_TYPES) assert.ok(built.has(`${t}.schema.json`), t);
});

/** Enough of JSON Schema 2020-12 for these files: each keyword the generator emits. */
function problems(s: Schema, v: unknown, at = '$'): string[] {
  const out: string[] = [];
  const typeOf = (x: unknown): string => (x === null ? 'null' : Array.isArray(x) ? 'array' : Number.isInteger(x) ? 'integer' : typeof x);
  const t = s.type as string | undefined;
  if (t !== undefined && typeOf(v) !== t && !(t === 'number' && typeOf(v) === 'integer')) return [`${at}: not ${t}`];
  if ('const' in s && v !== s.const) out.push(`${at}: not ${String(s.const)}`);
  if (Array.isArray(s.enum) && !s.enum.includes(v)) out.push(`${at}: not in enum`);
  if (Array.isArray(s.anyOf) && !(s.anyOf as Schema[]).some((x) => problems(x, v, at).length === 0)) out.push(`${at}: no anyOf branch`);
  if (s.not && problems(s.not as Schema, v, at).length === 0) out.push(`${at}: matches not`);
  if (s.if) out.push(...problems(((problems(s.if as Schema, v, at).length === 0 ? s.then : s.else) ?? {}) as Schema, v, at));
  if (typeof v === 'string') {
    if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(v)) out.push(`${at}: does not match ${s.pattern}`);
    if (typeof s.maxLength === 'number' && v.length > s.maxLength) out.push(`${at}: too long`);
    if (typeof s.minLength === 'number' && v.length < s.minLength) out.push(`${at}: too short`);
  }
  if (typeof v === 'number') {
    if (typeof s.minimum === 'number' && v < s.minimum) out.push(`${at}: below minimum`);
    if (typeof s.maximum === 'number' && v > s.maximum) out.push(`${at}: above maximum`);
    if (typeof s.multipleOf === 'number' && v % s.multipleOf !== 0) out.push(`${at}: not a multiple`);
  }
  if (Array.isArray(v)) {
    if (typeof s.maxItems === 'number' && v.length > s.maxItems) out.push(`${at}: too many items`);
    if (typeof s.minItems === 'number' && v.length < s.minItems) out.push(`${at}: too few items`);
    if (s.items) v.forEach((x, i) => out.push(...problems(s.items as Schema, x, `${at}[${i}]`)));
  }
  if (typeOf(v) === 'object') {
    const o = v as Schema;
    const props = (s.properties ?? {}) as Record<string, Schema>;
    for (const r of (s.required ?? []) as string[]) if (!(r in o)) out.push(`${at}.${r}: required`);
    if (typeof s.maxProperties === 'number' && Object.keys(o).length > s.maxProperties) out.push(`${at}: too many properties`);
    for (const [k, x] of Object.entries(o)) {
      if (s.propertyNames) out.push(...problems(s.propertyNames as Schema, k, `${at}.${k} (name)`));
      if (k in props) out.push(...problems(props[k] as Schema, x, `${at}.${k}`));
      else if (s.additionalProperties === false) out.push(`${at}.${k}: not allowed`);
      else if (typeof s.additionalProperties === 'object') out.push(...problems(s.additionalProperties as Schema, x, `${at}.${k}`));
    }
  }
  return out;
}

test('every known-answer message validates against its schema', () => {
  for (const t of MESSAGE_TYPES) {
    const env = fixtures.messages[t]?.envelope;
    assert.ok(env, t);
    assert.deepEqual(problems(schemaFile(`${t}.schema.json`), env), [], t);
  }
});

test('the schemas refuse what JSON Schema can say the kit refuses', () => {
  const challenge = fixtures.messages.challenge?.envelope as { body: Schema; signer: string; signature: string };
  const s = schemaFile('challenge.schema.json');
  const reject = (v: unknown, why: RegExp): void => assert.match(problems(s, v).join('\n'), why);
  reject({ ...challenge, body: { ...challenge.body, extra: 1 } }, /\$\.body\.extra: not allowed/);
  reject({ ...challenge, body: { ...challenge.body, matmul: { n: 24, iterations: 1 } } }, /matmul\.n: not a multiple/);
  // The same key with its padding bits set: decodes to the same bytes, a second spelling.
  const respelled = `${challenge.signer.slice(0, 42)}${String.fromCharCode(challenge.signer.charCodeAt(42) + 1)}=`;
  reject({ ...challenge, signer: respelled }, /\$\.signer: does not match/);
  reject({ ...challenge, signature: challenge.signature.replace(/=+$/, '') }, /\$\.signature: does not match/);
  // An opened row at k > 0 needs the previous layer's row; at k = 0 it must not carry one.
  const openings = fixtures.messages.openings?.envelope as { body: { rows: Schema[] } };
  const row = openings.body.rows.find((r) => r.k !== 0) as Schema;
  const { prev: _prev, ...withoutPrev } = row;
  const bad = { ...openings, body: { ...openings.body, rows: [withoutPrev] } };
  assert.match(problems(schemaFile('openings.schema.json'), bad).join('\n'), /rows\[0\]\.prev: required/);
});

test('base64Pattern accepts exactly the canonical base64 of n bytes', () => {
  for (let n = 0; n <= 70; n++) {
    const re = new RegExp(base64Pattern(n), 'u');
    const bytes = Buffer.from(Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff));
    const b64 = bytes.toString('base64');
    assert.ok(re.test(b64), `${n}: ${b64}`);
    assert.ok(!re.test(Buffer.from([...bytes, 1]).toString('base64')), `${n}: one byte more`);
    if (b64.endsWith('=')) {
      // Setting a padding bit keeps the bytes Node decodes, but is not the canonical spelling.
      const i = b64.indexOf('=') - 1;
      const respelled = `${b64.slice(0, i)}${String.fromCharCode(b64.charCodeAt(i) + 1)}${b64.slice(i + 1)}`;
      assert.ok(!re.test(respelled), `${n}: ${respelled}`);
    }
  }
});

test('docs/openapi.yaml is OpenAPI 3.1, documents every agent route, and every $ref resolves', () => {
  const file = join(REPO_ROOT, 'docs', 'openapi.yaml');
  const doc = parseYaml(readFileSync(file, 'utf8')) as { openapi: string; paths: Record<string, Record<string, unknown>> };
  assert.match(doc.openapi, /^3\.1\.\d+$/);
  // The routes the agent's router serves: keys `[TABLE.name]: ['METHOD', …]` (or a literal path),
  // each table's path looked up where src/server/ defines it.
  const agent = readFileSync(join(REPO_ROOT, 'src', 'server', 'agent.ts'), 'utf8');
  const server = readdirSync(join(REPO_ROOT, 'src', 'server')).filter((f) => f.endsWith('.ts')).map((f) => readFileSync(join(REPO_ROOT, 'src', 'server', f), 'utf8')).join('\n');
  const keys = [...agent.matchAll(/\[(?:(\w+)\.(\w+)|'(\/[\w./-]*)')\]:\s*\[\s*'(?:GET|POST|PUT|DELETE)'/g)];
  const routes = keys.map((m) => m[3] ?? new RegExp(`${m[1]}\\s*=\\s*\\{[^}]*\\b${m[2]}:\\s*'([^']+)'`).exec(server)?.[1]);
  assert.ok(routes.length >= 3 && routes.every((r) => typeof r === 'string'), `router keys not resolved: ${keys.map((m) => m[0]).join(', ')}`);
  assert.deepEqual(routes.filter((r) => r === PATHS.info || r === PATHS.challenges || r === PATHS.openings).sort(), Object.values(PATHS).sort());
  for (const r of [...routes, '/healthz', '/metrics']) assert.ok(doc.paths[r as string], `docs/openapi.yaml lacks ${r}`);
  assert.deepEqual(Object.keys(doc.paths[PATHS.challenges] ?? {}), ['post']);
  for (const p of [PATHS.challenges, PATHS.openings]) {
    const responses = (doc.paths[p]?.post as { responses: Record<string, unknown> }).responses;
    for (const code of ['200', '400', '403', '409', '413', '415', '429']) assert.ok(responses[code], `${p} ${code}`);
  }
  const refs: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) k === '$ref' && typeof x === 'string' ? refs.push(x) : walk(x);
  };
  walk(doc);
  const files = refs.filter((r) => !r.startsWith('#'));
  assert.ok(files.length >= 5);
  for (const r of files) assert.ok(existsSync(resolve(dirname(file), r)), `${r} does not exist`);
  for (const r of refs.filter((x) => x.startsWith('#/'))) {
    const target = r.slice(2).split('/').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], doc);
    assert.ok(target, `${r} does not resolve`);
  }
  for (const t of ['challenge', 'commitment', 'open-request', 'openings', 'agent-info', 'error']) assert.ok(files.includes(`../schemas/${t}.schema.json`), t);
});

/** A Python that can import PyNaCl, if this machine has one (Debian: python3-nacl). */
const pythonWithNacl = ['python3', '/usr/bin/python3'].find((py) => spawnSync(py, ['-c', 'import nacl.signing'], { stdio: 'ignore' }).status === 0);

// Known answers: fixtures/canonical.json's JCS vectors (RFC 8785's, cyberphone's, number edge
// cases) and fixtures/signatures.json's verdict, which must verify, and again with one field changed.
const PY_DRIVER = `
import json, struct, sys
from verify_receipt import jcs, es_number, verify_receipt
canon = json.load(open(sys.argv[1], encoding="utf-8"))
for v in canon["numbers"]:
    x = struct.unpack(">d", bytes.fromhex(v["ieee754"]))[0]
    if x == x and abs(x) != float("inf"): assert es_number(x) == v["canonical"], v
for v in canon["rfc8785"] + canon["messages"]: assert jcs(json.loads(v["input"])) == v["canonical"], v["name"]
receipt = json.load(open(sys.argv[2], encoding="utf-8"))["messages"]["verdict"]["envelope"]
assert verify_receipt(json.dumps(receipt), receipt["signer"]) == receipt["body"]
receipt["body"]["score"] += 1
try:
    verify_receipt(json.dumps(receipt), receipt["signer"])
    sys.exit("a changed receipt verified")
except Exception as e:
    assert type(e).__name__ == "BadSignatureError", e
print("python receipt check ok")
`;

test('the Python receipt check in docs/network.md reproduces JCS and verifies a receipt', { skip: pythonWithNacl === undefined ? 'no python3 with PyNaCl here' : false }, () => {
  const doc = readFileSync(join(REPO_ROOT, 'docs', 'network.md'), 'utf8');
  const code = /```python\n([\s\S]*?)```/.exec(doc)?.[1];
  assert.ok(code, 'docs/network.md has a python block');
  const dir = mkdtempSync(join(tmpdir(), 'gpuproof-python-'));
  try {
    writeFileSync(join(dir, 'verify_receipt.py'), code);
    writeFileSync(join(dir, 'driver.py'), PY_DRIVER);
    const r = spawnSync(pythonWithNacl as string, ['driver.py', join(REPO_ROOT, 'fixtures', 'canonical.json'), join(REPO_ROOT, 'fixtures', 'signatures.json')], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /python receipt check ok/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
