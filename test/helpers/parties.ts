// The parties of a protocol test: a validator and an executor, each with its keys and replay
// store, and mallory, a key nobody trusts. `challenge` issues from the validator to the executor.
import { generateKeyPair, type KeyPair } from '../../src/protocol/keys.js';
import type { SignedChallenge } from '../../src/protocol/schemas.js';
import { issueChallenge, type ChallengeSpec } from '../../src/roles/validator.js';
import { MemoryReplayStore } from '../../src/roles/stores.js';
import { toB64 } from '../../src/util/bytes.js';

export interface Parties {
  v: KeyPair;
  e: KeyPair;
  mallory: KeyPair;
  vStore: MemoryReplayStore;
  eStore: MemoryReplayStore;
  /** The executor's side of runChallenge's options. */
  execOpts: { keys: KeyPair; replay: MemoryReplayStore };
  challenge(spec: Omit<ChallengeSpec, 'executorKey'>): SignedChallenge;
}

export function makeParties(): Parties {
  const v = generateKeyPair();
  const e = generateKeyPair();
  const vStore = new MemoryReplayStore();
  const eStore = new MemoryReplayStore();
  return {
    v,
    e,
    mallory: generateKeyPair(),
    vStore,
    eStore,
    execOpts: { keys: e, replay: eStore },
    challenge: (spec) => issueChallenge(v, { executorKey: toB64(e.publicKey), ...spec }, vStore),
  };
}
