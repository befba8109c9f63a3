// The file flow: keygen, challenge, run, open-request, open, verify. Every input is read and
// validated before anything is written, and every output is written atomically.
import { join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import type { Argv } from 'yargs';
import { inputError, refused } from '../errors.js';
import { withGpu } from '../gpu/context.js';
import { generateKeyPair, writeKeyFiles } from '../protocol/keys.js';
import { toB64 } from '../util/bytes.js';
import { writeFileAtomic, checkOutPath } from '../util/files.js';
import { MAX_OPEN_ROWS, MAX_OPEN_BLOCKS, MAX_OPEN_LANES } from '../protocol/schemas.js';
import { MAX_MIB, MIN_PASSES, MAX_PASSES } from '../proofs/memory-size.js';
import { runChallenge, answerOpenings, type ExecutorState } from '../roles/executor.js';
import { issueChallenge, receiveCommitment, makeOpenRequest, DEFAULT_OPEN_ROWS, DEFAULT_OPEN_BLOCKS, DEFAULT_OPEN_LANES } from '../roles/validator.js';
import { verifyProof, signReceipt } from '../roles/verifier.js';
import { FileReplayStore } from '../roles/stores.js';
import { MAX_ITERATIONS, MAX_EXACT_N, checkMatmulSize } from '../proofs/matmul-size.js';
import { gpuproofHome, intOption, kernelOption, readKeys, readMessage, readPubKey, warnWeakOpening } from './inputs.js';
import { readyKernels } from '../roles/autotune.js';
import { sizeForClass } from '../roles/sizing.js';
import { parseIJson } from '../protocol/ijson.js';
import { loadClassTable } from '../roles/classes.js';
import { ANY_CLASS, checkClaim } from './claims.js';
import { checksTable, makeOut, table, type SetCode } from './output.js';
import { aluOption, DEFAULT_ALU_ROUNDS } from './alu-options.js';
import { fmt } from './verdict-view.js';
type Args = Record<string, unknown> & { json: boolean };

const str = (a: Args, k: string): string => {
  const v = a[k];
  if (typeof v !== 'string' || v.length === 0) throw inputError(k, 'is required');
  return v;
};
/** --out, checked writable and absent (unless --force) before any work or state change. */
const outPath = (a: Args): string => {
  const path = str(a, 'out');
  checkOutPath(path, 'out', a.force === true);
  return path;
};
const writeJson = (path: string, obj: unknown): void => writeFileAtomic(path, `${JSON.stringify(obj, null, 2)}\n`);
const validatorStore = (): FileReplayStore => new FileReplayStore(join(gpuproofHome(), 'validator', 'ledger.json'));
/** What an unpinned verify proves, said wherever its verdict is printed. */
const SELF_CONSISTENCY_ONLY = 'NOTE: no --validator or --key: this verdict shows only that the four files are self-consistent, not that your validator issued the challenge (anyone can make a consistent transcript under a key of their own).';
const executorDir = (a: Args): string => (typeof a.state === 'string' ? a.state : join(gpuproofHome(), 'executor'));

export function fileCommands<T>(y: Argv<T>, setCode: SetCode): Argv<T> {
  return y
    .command('keygen', 'write a new ed25519 key file (mode 0600) and its public-key file FILE.pub; never overwrites either', (c) => c
      .example('$0 keygen --out validator.key', 'writes validator.key (secret) and validator.key.pub (to hand out)')
      .option('out', { type: 'string', demandOption: true, describe: 'key file to create; its public half goes to FILE.pub' }), async (a) => {
      const out = makeOut(a.json === true, 'keygen');
      const kp = generateKeyPair();
      const paths = await writeKeyFiles(str(a as unknown as Args, 'out'), kp);
      out.result({ publicKey: toB64(kp.publicKey), path: paths.key, publicKeyPath: paths.pub }, `wrote ${paths.key} (secret, keep it) and ${paths.pub} (public, hand it out)\npublic key: ${toB64(kp.publicKey)}`);
      setCode(0);
    })
    .command('pubkey <file>', 'print the public key of a key file, a .pub file or a base64 key', (c) => c
      .example('$0 pubkey validator.key', 'the base64 public key to put in an agent\'s --allow')
      .positional('file', { type: 'string', demandOption: true, describe: 'key file, public-key file (.pub) or base64 public key' }), async (raw) => {
      const a = raw as unknown as Args;
      const out = makeOut(a.json, 'pubkey');
      const publicKey = await readPubKey(str(a, 'file'), 'file');
      out.result({ publicKey }, publicKey);
      setCode(0);
    })
    .command('challenge', 'issue a signed challenge to one executor', (c) => c
      .example('$0 challenge --key validator.key --executor executor.key.pub --n 512 --iterations 8 --out challenge.json', 'a small challenge of set size')
      .example('$0 challenge --key validator.key --executor executor.key.pub --claim h100-sxm --out challenge.json', 'sized for the class the executor claims')
      .example('$0 challenge --key validator.key --executor executor.key.pub --alu-lanes 65536 --alu-rounds 4096 --out challenge.json', 'with an integer proof of 65536 lanes')
      .option('key', { type: 'string', demandOption: true, describe: "validator's key file" })
      .option('executor', { type: 'string', demandOption: true, describe: "executor's public key: .pub file, base64, or key file" })
      .option('n', { type: 'number', describe: 'matrix size, a multiple of 16 (default: sized for --claim, else 512)' })
      .option('iterations', { type: 'number', describe: 'chained multiplications K (default: sized for --claim, else 8)' })
      .option('ttl', { type: 'number', default: 600, describe: 'seconds until the challenge expires' })
      .option('memory-mib', { type: 'number', describe: 'memory capacity to prove in MiB, 0 for none (default: the claimed class\'s capacity floor, else 0)' })
      .option('passes', { type: 'number', describe: 'memory passes P (default 12)' })
      .option('alu-lanes', { type: 'number', describe: 'integer-proof lanes W, 0 for none (default: sized for --claim, else none)' })
      .option('alu-rounds', { type: 'number', describe: `integer-proof rounds a lane L (default: sized for --claim, else ${DEFAULT_ALU_ROUNDS})` })
      .option('claim', { type: 'string', default: 'any', describe: 'class the executor claims (an id from `gpuproof classes`, or any)' })
      .option('out', { type: 'string', demandOption: true, describe: 'challenge file to write (hand it to the executor)' }), async (raw) => {
      const a = raw as unknown as Args;
      const out = makeOut(a.json, 'challenge');
      const claim = checkClaim(a.claim);
      const claimed = claim !== ANY_CLASS ? sizeForClass(loadClassTable(), claim) : undefined;
      const n = intOption(a.n ?? claimed?.matmul.n ?? 512, 'n', 16, MAX_EXACT_N);
      const iterations = intOption(a.iterations ?? claimed?.matmul.iterations ?? 8, 'iterations', 1, MAX_ITERATIONS);
      checkMatmulSize({ n, iterations });
      const mib = intOption(a['memory-mib'] ?? claimed?.memory.mib ?? 0, 'memory-mib', 0, MAX_MIB);
      const passes = intOption(a.passes ?? claimed?.memory.passes ?? 12, 'passes', MIN_PASSES, MAX_PASSES);
      const alu = aluOption(a, claimed);
      const ttl = intOption(a.ttl, 'ttl', 1, 86_400);
      const keys = await readKeys(str(a, 'key'));
      const executorKey = await readPubKey(str(a, 'executor'), 'executor');
      const target = outPath(a);
      const ch = issueChallenge(keys, { executorKey, matmul: { n, iterations }, ...(mib > 0 ? { memory: { mib, passes } } : {}), ...(alu ? { alu } : {}), ttlMs: ttl * 1000, claim }, validatorStore());
      writeJson(target, ch);
      const proofs = `n=${n}, K=${iterations}${mib > 0 ? `, memory ${mib} MiB` : ''}${alu ? `, integer ${alu.lanes} lanes × ${alu.rounds} rounds` : ''}`;
      out.result({ id: ch.body.id, path: target, expiresAt: ch.body.expiresAt }, `challenge ${ch.body.id} written to ${target} (${proofs}, expires in ${ttl} s)`);
      setCode(0);
    })
    .command('run', 'executor: run a challenge on this GPU and write the signed commitment', (c) => c
      .example('$0 run --key executor.key --challenge challenge.json --out commitment.json', 'run the challenge and sign the commitment')
      .option('key', { type: 'string', demandOption: true, describe: "executor's key file (the challenge must be addressed to it)" })
      .option('challenge', { type: 'string', demandOption: true, describe: 'challenge file from the validator' })
      .option('out', { type: 'string', demandOption: true, describe: 'commitment file to write (hand it back to the validator)' })
      .option('state', { type: 'string', describe: 'executor state directory (default $GPUPROOF_HOME/executor)' })
      .option('kernel', { type: 'string', describe: 'force a matmul variant (default: the autotuner\'s pick)' }), async (raw) => {
      const a = raw as unknown as Args;
      const out = makeOut(a.json, 'run');
      const forced = kernelOption(a.kernel);
      const keys = await readKeys(str(a, 'key'));
      const challenge = await readMessage('challenge', str(a, 'challenge'), 'challenge');
      const target = outPath(a);
      const dir = executorDir(a);
      const replay = new FileReplayStore(join(dir, 'seen.json'));
      const state = await withGpu({}, async (ctx) => {
        const kernels = await readyKernels(ctx, { kernel: forced, tuneCache: join(gpuproofHome(), 'autotune.json'), onProgress: out.progress });
        return runChallenge(ctx, challenge, { keys, replay, ...kernels, onProgress: out.progress });
      }).finally(out.progressEnd);
      writeFileAtomic(join(dir, `${challenge.body.id}.json`), JSON.stringify(state), { mode: 0o600 });
      writeJson(target, state.commitment);
      const t = state.commitment.body.timings;
      out.result({ path: target, root: state.commitment.body.matmul.root, aluRoot: state.commitment.body.alu?.root ?? null, timings: t }, `commitment written to ${target} (${t.totalMs.toFixed(0)} ms, ${t.method})`);
      setCode(0);
    })
    .command('open-request', 'validator: accept a commitment and draw the rows, blocks and lanes to open', (c) => c
      .example('$0 open-request --key validator.key --challenge challenge.json --commitment commitment.json --out request.json', 'accept the commitment and ask for openings')
      .option('key', { type: 'string', demandOption: true, describe: "validator's key file (the one that issued the challenge)" })
      .option('challenge', { type: 'string', demandOption: true, describe: 'challenge file this validator issued' })
      .option('commitment', { type: 'string', demandOption: true, describe: "executor's commitment file" })
      .option('rows', { type: 'number', default: DEFAULT_OPEN_ROWS, describe: 'rows to open (m)' })
      .option('blocks', { type: 'number', default: DEFAULT_OPEN_BLOCKS, describe: 'memory blocks to open' })
      .option('lanes', { type: 'number', default: DEFAULT_OPEN_LANES, describe: 'integer-proof lanes to open, each recomputed whole (when the challenge has an integer proof)' })
      .option('out', { type: 'string', demandOption: true, describe: 'open-request file to write (hand it to the executor)' }), async (raw) => {
      const a = raw as unknown as Args;
      const out = makeOut(a.json, 'open-request');
      const rows = intOption(a.rows, 'rows', 1, MAX_OPEN_ROWS);
      const blocks = intOption(a.blocks, 'blocks', 1, MAX_OPEN_BLOCKS);
      const lanes = intOption(a.lanes, 'lanes', 1, MAX_OPEN_LANES);
      warnWeakOpening('open-request', 'rows', rows, DEFAULT_OPEN_ROWS);
      warnWeakOpening('open-request', 'blocks', blocks, DEFAULT_OPEN_BLOCKS);
      warnWeakOpening('open-request', 'lanes', lanes, DEFAULT_OPEN_LANES);
      const keys = await readKeys(str(a, 'key'));
      const challenge = await readMessage('challenge', str(a, 'challenge'), 'challenge');
      const commitment = await readMessage('commitment', str(a, 'commitment'), 'commitment');
      const target = outPath(a);
      const window = receiveCommitment(keys, challenge, commitment, validatorStore());
      const req = makeOpenRequest(keys, challenge, commitment, window, rows, blocks, lanes);
      writeJson(target, req);
      const asked = [`${req.body.rows.length} rows`, ...(req.body.blocks.length > 0 ? [`${req.body.blocks.length} blocks`] : []), ...(req.body.lanes ? [`${req.body.lanes.length} lanes`] : [])].join(', ');
      out.result({ path: target, rows: req.body.rows.length, blocks: req.body.blocks.length, lanes: req.body.lanes?.length ?? 0, observedMs: req.body.observed.observedMs }, `open request for ${asked} written to ${target} (observed ${req.body.observed.observedMs} ms)`);
      setCode(0);
    })
    .command('open', 'executor: answer an open request from kept state', (c) => c
      .example('$0 open --key executor.key --challenge challenge.json --request request.json --out openings.json', 'answer the openings from the state run kept')
      .option('key', { type: 'string', demandOption: true, describe: "executor's key file (the one that ran the challenge)" })
      .option('challenge', { type: 'string', demandOption: true, describe: 'challenge file the executor ran' })
      .option('request', { type: 'string', demandOption: true, describe: "validator's open-request file" })
      .option('out', { type: 'string', demandOption: true, describe: 'openings file to write (hand it back to the validator)' })
      .option('state', { type: 'string', describe: 'executor state directory run wrote to (default $GPUPROOF_HOME/executor)' }), async (raw) => {
      const a = raw as unknown as Args;
      const out = makeOut(a.json, 'open');
      const keys = await readKeys(str(a, 'key'));
      const challenge = await readMessage('challenge', str(a, 'challenge'), 'challenge');
      const request = await readMessage('open-request', str(a, 'request'), 'request');
      const target = outPath(a);
      const statePath = join(executorDir(a), `${challenge.body.id}.json`);
      if (!existsSync(statePath)) throw refused(`no kept state for challenge ${challenge.body.id} in ${executorDir(a)}`, 'state');
      const state = parseIJson(readFileSync(statePath, 'utf8'), { field: 'state', source: statePath }) as ExecutorState;
      const replay = new FileReplayStore(join(executorDir(a), 'seen.json'));
      // The tuned kernels (cached by run) re-run what is opened: the same bits, at this card's speed.
      const openings = await withGpu({}, async (ctx) => {
        const kernels = await readyKernels(ctx, { tuneCache: join(gpuproofHome(), 'autotune.json'), onProgress: out.progress });
        return answerOpenings(ctx, state, request, { keys, replay, ...kernels });
      }).finally(out.progressEnd);
      writeJson(target, openings);
      out.result({ path: target, rows: openings.body.rows.length, lanes: openings.body.lanes?.length ?? 0 }, `openings for ${openings.body.rows.length} rows${openings.body.lanes ? ` and ${openings.body.lanes.length} lanes` : ''} written to ${target}`);
      setCode(0);
    })
    .command('verify', 'check a whole transcript; exit 0 accepted, 1 rejected', (c) => c
      .example('$0 verify --challenge challenge.json --commitment commitment.json --request request.json --openings openings.json --validator validator.key.pub', 'check a transcript a known validator issued')
      .example('$0 verify --challenge challenge.json --commitment commitment.json --request request.json --openings openings.json --key validator.key --out receipt.json', 'check it and sign a receipt')
      .option('challenge', { type: 'string', demandOption: true, describe: 'challenge file' })
      .option('commitment', { type: 'string', demandOption: true, describe: 'commitment file' })
      .option('request', { type: 'string', demandOption: true, describe: 'open-request file' })
      .option('openings', { type: 'string', demandOption: true, describe: 'openings file' })
      .option('key', { type: 'string', describe: "validator's key file: sign the verdict as a receipt (and pin --validator to it)" })
      .option('validator', { type: 'string', describe: 'the validator whose challenge this must be: .pub file, base64 public key or key file (default: the public half of --key)' })
      .option('out', { type: 'string', describe: 'write the signed receipt here (needs --key)' }), async (raw) => {
      const a = raw as unknown as Args;
      const out = makeOut(a.json, 'verify');
      if ((a.out === undefined) !== (a.key === undefined)) throw inputError(a.out === undefined ? 'out' : 'key', '--key and --out go together');
      const keys = typeof a.key === 'string' ? await readKeys(a.key) : undefined;
      const own = keys ? toB64(keys.publicKey) : undefined;
      const named = a.validator === undefined ? undefined : await readPubKey(str(a, 'validator'), 'validator');
      if (own !== undefined && named !== undefined && named !== own) throw inputError('validator', 'is not the public half of --key: a receipt is signed only for challenges the key issued');
      const pinned = named ?? own ?? null;
      const receipt = keys ? outPath(a) : undefined;
      const input = {
        challenge: await readMessage('challenge', str(a, 'challenge'), 'challenge'),
        commitment: await readMessage('commitment', str(a, 'commitment'), 'commitment'),
        request: await readMessage('open-request', str(a, 'request'), 'request'),
        openings: await readMessage('openings', str(a, 'openings'), 'openings'),
      };
      const v = verifyProof(input, pinned);
      // Another key's challenge fails challenge.validator, and gets no receipt.
      if (keys && input.challenge.body.validatorKey === own) writeJson(receipt as string, signReceipt(keys, input, v));
      const m = v.measured.matmul;
      const alu = v.measured.alu;
      const figures = [['gflops observed', m.gflopsObserved.toFixed(2)], ['gflops reported', m.gflopsReported.toFixed(2)],
        ...(alu ? [['integer GOPS observed', `${fmt(alu.intGopsObserved)} (${alu.window} window; ${alu.lanes} lanes × ${alu.rounds} rounds, ${alu.lanesChecked} lanes recomputed)`], ['integer GOPS reported', fmt(alu.intGopsReported)]] : [])];
      const scope = pinned === null ? `\n${SELF_CONSISTENCY_ONLY}` : '';
      out.result({ ...v, validatorKey: pinned, selfConsistencyOnly: pinned === null }, `${checksTable(v.checks, a.verbose === true)}\n\n${table(figures)}${scope}\n${v.accepted ? 'ACCEPTED' : 'REJECTED'}`, v.accepted);
      setCode(v.accepted ? 0 : 1);
    });
}
