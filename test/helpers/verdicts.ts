// Assertions on verdicts shared by the cheat tests: an honest baseline passes every check, and a
// cheat is rejected by the named checks (checks skipped after a cheaper failure are not findings).
import assert from 'node:assert/strict';
import type { Verification } from '../../src/roles/verifier.js';

export const failed = (v: Verification): string[] => v.checks.filter((c) => !c.pass).map((c) => c.name);

export function assertAccepted(v: Verification, what: string): void {
  assert.equal(v.accepted, true, `${what}: honest baseline rejected: ${JSON.stringify(v.checks.filter((c) => !c.pass))}`);
  assert.ok(v.checks.length > 0 && v.checks.every((c) => c.pass));
}

/** Rejected, and every check in `names` is among the failed ones; `exactly` pins the whole set. */
export function assertRejectedBy(v: Verification, names: string[], what: string, exactly = false): void {
  assert.equal(v.accepted, false, `${what}: cheat ACCEPTED`);
  const bad = failed(v);
  for (const name of names) {
    assert.ok(v.checks.some((c) => c.name === name), `${what}: no check named ${name}`);
    assert.ok(bad.includes(name), `${what}: check ${name} passed; failed: ${bad.join(', ')}`);
  }
  const found = v.checks.filter((c) => !c.pass && !c.reason.startsWith('not checked')).map((c) => c.name);
  if (exactly) assert.deepEqual([...found].sort(), [...names].sort(), `${what}: unexpected set of failed checks: ${JSON.stringify(v.checks.filter((c) => !c.pass))}`);
}
