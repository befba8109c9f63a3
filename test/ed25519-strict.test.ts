// Strict ed25519: acceptance equals libsodium's crypto_sign_verify_detached. Each cheat below is
// one OpenSSL alone accepts (asserted), so the kit's own pre-check is what rejects it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import {
  ED25519_L,
  ED25519_P,
  SMALL_ORDER_ENCODINGS,
  hasSmallOrder,
  isCanonicalPoint,
  publicKeyProblem,
  scalarIsCanonical,
  strictRejection,
} from '../src/protocol/ed25519-strict.js';
import { ed25519Verify, signingBytes, verifySignature } from '../src/protocol/signing.js';
import { parseMessage } from '../src/protocol/parse.js';
import { PublicKey, type SignedChallenge } from '../src/protocol/schemas.js';
import { generateKeyPair } from '../src/protocol/keys.js';
import { GpuproofError } from '../src/errors.js';
import { fromB64, fromHex, toB64, toHex } from '../src/util/bytes.js';
import { IDENTITY, decodePoint, identityRSignature, leBytes, leInt, samePoint, timesSmall, L, P } from './helpers/ed25519-ref.js';

interface Vector {
  note: string;
  message: string;
  publicKey: string;
  signature: string;
  libsodium: boolean;
  openssl: boolean;
  rule: string | null;
}
const fx = JSON.parse(readFileSync(new URL('../fixtures/ed25519-speccheck.json', import.meta.url), 'utf8')) as {
  speccheck: { cases: (Vector & { case: number })[] };
  ours: { cases: Vector[] };
};
const sigs = JSON.parse(readFileSync(new URL('../fixtures/signatures.json', import.meta.url), 'utf8')) as {
  keys: { validator: { seed: string; publicKey: string } };
  messages: { challenge: { envelope: SignedChallenge } };
};

const SPKI = Buffer.from('302a300506032b6570032100', 'hex');
/** OpenSSL's verdict alone (node:crypto), the fast equation the kit keeps. */
function opensslVerify(message: Uint8Array, sig: Uint8Array, pub: Uint8Array): boolean {
  try {
    return nodeVerify(null, message, createPublicKey({ key: Buffer.concat([SPKI, pub]), format: 'der', type: 'spki' }), sig);
  } catch {
    return false;
  }
}

/** Every blocklist entry, with the sign bit clear and set. */
const SMALL_ORDER_ALL = SMALL_ORDER_ENCODINGS.flatMap((h) => {
  const b = fromHex(h);
  const s = fromHex(h);
  s[31] = (s[31] as number) | 0x80;
  return [b, s];
});
const IDENTITY_KEY = 'AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

function checkVectors(cases: Vector[], label: (c: Vector, i: number) => string): void {
  for (const [i, c] of cases.entries()) {
    const [m, pk, sig] = [fromHex(c.message), fromHex(c.publicKey), fromHex(c.signature)];
    const what = `${label(c, i)}: ${c.note}`;
    assert.equal(ed25519Verify(m, sig, pk), c.libsodium, `${what}: libsodium's verdict`);
    assert.equal(opensslVerify(m, sig, pk), c.openssl, `${what}: OpenSSL's verdict`);
    assert.equal(strictRejection(sig, pk), c.rule, `${what}: the pre-check that fails`);
    // Where OpenSSL accepts and libsodium does not, a pre-check must be what rejects.
    if (c.openssl && !c.libsodium) assert.notEqual(c.rule, null, what);
  }
}

test('the 12 speccheck vectors ("Taming the many EdDSAs") get libsodium\'s verdicts', () => {
  const cases = fx.speccheck.cases;
  assert.deepEqual(cases.map((c) => c.case), [...Array(12).keys()]);
  checkVectors(cases, (c) => `case ${(c as Vector & { case: number }).case}`);
  // libsodium accepts exactly case 3; OpenSSL alone would also accept 0, 1, 2 and 11.
  assert.deepEqual(cases.filter((c) => c.libsodium).map((c) => c.case), [3]);
});

test('our small-order and identity-R vectors get libsodium\'s verdicts, each cheat passing OpenSSL', () => {
  const cases = fx.ours.cases;
  assert.ok(cases.length >= 10);
  checkVectors(cases, (_c, i) => `ours ${i}`);
  for (const rule of ['A small order', 'A non-canonical', 'R small order']) {
    assert.ok(cases.some((c) => c.openssl && c.rule === rule), `a vector OpenSSL accepts that only "${rule}" rejects`);
  }
});

test('the identity as public key: R = identity, S = 0 passes OpenSSL for any message, never here', () => {
  const pub = fromB64(IDENTITY_KEY);
  const sig = new Uint8Array(64);
  sig[0] = 1; // R = the identity's encoding; S = 0
  for (const text of ['', 'pay mallory', 'a challenge nobody issued']) {
    const m = new TextEncoder().encode(text);
    assert.equal(opensslVerify(m, sig, pub), true, 'the cheat works against OpenSSL alone');
    assert.equal(ed25519Verify(m, sig, pub), false);
  }
});

test('an ordinary key signing with R = identity: OpenSSL accepts, the R check alone rejects, also in a message', () => {
  const k = sigs.keys.validator;
  const env = sigs.messages.challenge.envelope;
  const pub = fromB64(k.publicKey);
  const bytes = signingBytes('challenge', env.body);
  const sig = identityRSignature(fromHex(k.seed), pub, bytes);
  assert.equal(opensslVerify(bytes, sig, pub), true);
  assert.equal(strictRejection(sig, pub), 'R small order');
  assert.equal(ed25519Verify(bytes, sig, pub), false);
  // The envelope is schema-valid (an ordinary signer), so only the signature check stands in the way.
  const forged = { ...env, signature: toB64(sig) };
  assert.doesNotThrow(() => parseMessage('challenge', forged));
  assert.equal(verifySignature(forged), false);
  assert.equal(verifySignature(env), true);
});

test('the blocklist is exactly every encoding (y < 2^255) of the eight points of order dividing 8', () => {
  // E(F_p) ≅ Z/8 × Z/L, so one point of order exactly 8 generates all of the 8-torsion.
  const t8 = decodePoint(fromHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a'));
  assert.ok(t8);
  assert.ok(samePoint(timesSmall(8, t8), IDENTITY));
  assert.ok(!samePoint(timesSmall(4, t8), IDENTITY), 'order exactly 8');
  const ys = new Set(Array.from({ length: 8 }, (_, k) => timesSmall(k, t8).y));
  assert.equal(ys.size, 5); // the identity, order 2, the pair of order 4 (y = 0), two pairs of order 8
  const expected = new Set<string>();
  for (const y of ys) for (const v of [y, y + P]) if (v < 2n ** 255n) expected.add(toHex(leBytes(v)));
  assert.deepEqual(new Set(SMALL_ORDER_ENCODINGS), expected);
  assert.equal(SMALL_ORDER_ENCODINGS.length, 7);
  assert.equal(ED25519_P, P);
  assert.equal(ED25519_L, L);
});

test('hasSmallOrder: all 14 encodings (sign bit either way), and no single-bit neighbour of them', () => {
  const listed = new Set(SMALL_ORDER_ALL.map(toHex));
  for (const e of SMALL_ORDER_ALL) {
    assert.equal(hasSmallOrder(e), true, toHex(e));
    for (let bit = 0; bit < 255; bit++) {
      const n = new Uint8Array(e);
      n[bit >> 3] = (n[bit >> 3] as number) ^ (1 << (bit & 7));
      if (!listed.has(toHex(n))) assert.equal(hasSmallOrder(n), false, `${toHex(e)} with bit ${bit} flipped`);
    }
  }
  assert.equal(hasSmallOrder(new Uint8Array(31)), false);
  for (let i = 0; i < 50; i++) assert.equal(hasSmallOrder(generateKeyPair().publicKey), false);
});

test('isCanonicalPoint: y < p, whatever the sign bit; scalarIsCanonical: S < L', () => {
  const at = (v: bigint, sign = false): Uint8Array => leBytes(sign ? v | (1n << 255n) : v);
  for (const sign of [false, true]) {
    for (const v of [0n, 1n, P - 1n]) assert.equal(isCanonicalPoint(at(v, sign)), true, `${v}`);
    for (const v of [P, P + 1n, P + 2n, 2n ** 255n - 1n]) assert.equal(isCanonicalPoint(at(v, sign)), false, `${v}`);
  }
  assert.equal(isCanonicalPoint(new Uint8Array(33)), false);
  for (const v of [0n, 1n, L - 1n]) assert.equal(scalarIsCanonical(leBytes(v)), true, `${v}`);
  for (const v of [L, L + 1n, 2n ** 253n, 2n ** 256n - 1n]) assert.equal(scalarIsCanonical(leBytes(v)), false, `${v}`);
  assert.equal(scalarIsCanonical(new Uint8Array(31)), false);
  // In strictRejection's order: S first, then A's encoding, then A's order, then R's order.
  const sig = new Uint8Array(64);
  sig.set(leBytes(L), 32);
  assert.equal(strictRejection(sig, at(P + 1n)), 'S ≥ L');
  assert.equal(strictRejection(new Uint8Array(64), at(P + 1n)), 'A non-canonical');
  assert.equal(strictRejection(new Uint8Array(64), at(1n)), 'A small order');
  assert.equal(strictRejection(new Uint8Array(64), generateKeyPair().publicKey), 'R small order');
  assert.equal(strictRejection(new Uint8Array(63), generateKeyPair().publicKey), 'length');
});

test('PublicKey refuses every small-order and non-canonical key, naming why; ordinary keys pass', () => {
  const refused = (bytes: Uint8Array, why: RegExp): void => {
    const r = PublicKey.safeParse(toB64(bytes));
    assert.equal(r.success, false, toHex(bytes));
    assert.match(r.error?.issues[0]?.message ?? '', why, toHex(bytes));
  };
  for (const e of SMALL_ORDER_ALL) refused(e, isCanonicalPoint(e) ? /small order/ : /canonical/);
  for (let k = 2n; k < 19n; k++) refused(leBytes(P + k), /not a canonical point encoding/);
  assert.equal(publicKeyProblem(fromB64(IDENTITY_KEY)), 'a point of small order (on the small-order blocklist)');
  assert.equal(publicKeyProblem(new Uint8Array(31)), 'not 32 bytes');
  for (let i = 0; i < 50; i++) assert.equal(PublicKey.safeParse(toB64(generateKeyPair().publicKey)).success, true);
  assert.equal(PublicKey.safeParse(sigs.keys.validator.publicKey).success, true);
});

test('a message signed "by" the identity key is refused by the schema, naming signer', () => {
  const env = sigs.messages.challenge.envelope;
  const sig = new Uint8Array(64);
  sig[0] = 1;
  const forged = { ...env, signer: IDENTITY_KEY, signature: toB64(sig) };
  assert.equal(opensslVerify(signingBytes('challenge', env.body), sig, fromB64(IDENTITY_KEY)), true, 'OpenSSL alone accepts it');
  assert.equal(verifySignature(forged), false);
  assert.throws(() => parseMessage('challenge', forged), (e: unknown) => e instanceof GpuproofError && e.code === 'INPUT' && e.field === 'signer' && /small order/.test(e.message));
  assert.equal(leInt(fromB64(IDENTITY_KEY)), 1n);
});
