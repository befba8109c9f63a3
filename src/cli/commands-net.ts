// The network agent (serve) and the ledger reader (receipts). serve prints one line when it
// listens (one JSON object a line with --json, so a supervisor or test can read the port) and one
// when it has stopped; SIGTERM or SIGINT stop it cleanly with exit status 0.
import { join } from 'node:path';
import type { Argv } from 'yargs';
import { inputError } from '../errors.js';
import { verifySignature } from '../protocol/signing.js';
import { FileReplayStore } from '../roles/stores.js';
import { Ledger, type ReceiptRow } from '../ledger/ledger.js';
import { startAgent } from '../server/agent.js';
import { LOG_FORMATS, messageLine, type LogFormat } from '../server/request-log.js';
import { toB64 } from '../util/bytes.js';
import { gpuproofHome, intOption, kernelOption, readKeys, readPubKey } from './inputs.js';
import { envelope, makeOut, schemaId, table, type SetCode } from './output.js';

type Args = Record<string, unknown> & { json: boolean };

export const DEFAULT_PORT = 8420;
export const defaultLedgerPath = (): string => join(gpuproofHome(), 'receipts.db');

const strings = (v: unknown, option: string): string[] => {
  const list = v === undefined ? [] : Array.isArray(v) ? v : [v];
  return list.map((x, i) => {
    if (typeof x !== 'string' || x.length === 0) throw inputError(`${option}.${i}`, 'expected a non-empty string');
    return x;
  });
};

const str = (a: Args, k: string): string => {
  const v = a[k];
  if (typeof v !== 'string' || v.length === 0) throw inputError(k, 'is required');
  return v;
};

const logFormatOption = (v: unknown): LogFormat => {
  if (!LOG_FORMATS.includes(v as LogFormat)) throw inputError('log-format', `must be one of ${LOG_FORMATS.join(', ')}, got ${String(v).slice(0, 100)}`);
  return v as LogFormat;
};

/**
 * A row the signature vouches for: the envelope verifies against its own signer field, so that
 * signer must also be the validator the receipt names, and the columns printed beside it must be
 * the signed values, else an edited or self-signed row would print as `ok`.
 */
function backedBySignature(r: ReceiptRow): boolean {
  const b = r.receipt.body;
  return verifySignature(r.receipt) && r.receipt.signer === b.validatorKey && r.validatorKey === b.validatorKey
    && r.executorKey === b.executorKey && r.accepted === b.accepted && r.score === b.score && r.class === b.class && r.issuedAt === b.issuedAt;
}

export function netCommands<T>(y: Argv<T>, setCode: SetCode): Argv<T> {
  return y
    .command('serve', 'run the executor agent over HTTP (SIGTERM stops it, exit 0)', (c) => c
      .example('$0 serve --key executor.key --allow validator.key.pub --port 8420', 'serve one validator on loopback')
      .example('$0 serve --key executor.key --allow validator.key.pub --host 0.0.0.0 --adapter "GPU 0" --adapter "GPU 1"', 'two cards, reachable from the network')
      .option('key', { type: 'string', demandOption: true, describe: "executor's key file" })
      .option('port', { type: 'number', default: DEFAULT_PORT, describe: 'TCP port (0: any free port)' })
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'address to listen on' })
      .option('allow', { type: 'string', array: true, demandOption: true, describe: 'validator public keys that may use the GPU: .pub files or base64, repeatable' })
      .option('adapter', { type: 'string', array: true, describe: 'adapter name substring, once per GPU (default: the one default adapter)' })
      .option('state', { type: 'string', describe: 'replay memory directory (default $GPUPROOF_HOME/agent)' })
      .option('grace', { type: 'number', default: 30, describe: 'seconds in-flight work may take to finish on SIGTERM' })
      .option('kernel', { type: 'string', describe: 'force a matmul variant (default: the autotuner\'s pick, cached per adapter)' })
      .option('verbose', { type: 'boolean', default: false, describe: 'log every request on stderr' })
      .option('log-format', { type: 'string', default: 'text', describe: 'stderr log: text, or json (one object a line for every request: time, client, method, path, status, durationMs, signer)' }), async (raw) => {
      const a = raw as unknown as Args;
      const out = makeOut(a.json, 'serve');
      const port = intOption(a.port, 'port', 0, 65535);
      const grace = intOption(a.grace, 'grace', 0, 3600);
      const logFormat = logFormatOption(a['log-format']);
      const host = str(a, 'host');
      const keys = await readKeys(str(a, 'key'));
      const allowArgs = strings(a.allow, 'allow');
      if (allowArgs.length === 0) throw inputError('allow', 'name at least one validator key');
      const allow = await Promise.all(allowArgs.map((k, i) => readPubKey(k, `allow.${i}`)));
      const adapters = strings(a.adapter, 'adapter');
      const kernel = kernelOption(a.kernel);
      const stateDir = typeof a.state === 'string' ? a.state : join(gpuproofHome(), 'agent');
      // json: bare lines, each one object, so a shipper can parse stderr whole.
      const log = (line: string): void => void process.stderr.write(`${logFormat === 'json' ? '' : 'gpuproof serve: '}${line}\n`);
      const agent = await startAgent({
        keys,
        allow,
        host,
        port,
        adapters: adapters.length > 0 ? adapters : [undefined],
        replay: new FileReplayStore(join(stateDir, 'seen.json')),
        log,
        logFormat,
        verbose: a.verbose === true,
        kernel,
        tuneCache: join(gpuproofHome(), 'autotune.json'),
      });
      const described = agent.slots.map((s) => ({ index: s.index, name: s.adapter ?? null, description: s.report?.description ?? '', kernel: s.kernels.kernel ?? null, memoryKernel: s.kernels.memoryKernel ?? null, aluKernel: s.kernels.aluKernel ?? null }));
      // One object a line, each in the envelope, so a supervisor can read the port from the first.
      const line = (obj: Record<string, unknown>, human: string): void => void process.stdout.write(a.json ? `${JSON.stringify({ ...envelope(true, schemaId('serve')), ...obj })}\n` : `${human}\n`);
      // Handlers go in before the line is printed: a supervisor may signal the moment it reads it.
      const stopped = new Promise<NodeJS.Signals>((resolve) => {
        const stop = (sig: NodeJS.Signals): void => {
          process.off('SIGTERM', stop);
          process.off('SIGINT', stop);
          resolve(sig);
        };
        process.on('SIGTERM', stop);
        process.on('SIGINT', stop);
      });
      line(
        { event: 'listening', url: agent.url, executorKey: toB64(keys.publicKey), allow: allow.length, adapters: described },
        `listening on ${agent.url}\nexecutor key: ${toB64(keys.publicKey)}\nadapters: ${described.map((d) => `${d.index}: ${d.description || '(default)'}`).join('; ')}\nallowed validators: ${allow.length}`,
      );
      const signal = await stopped;
      const draining = `${signal}: no new requests; finishing in-flight work (up to ${grace} s)`;
      if (logFormat === 'json') log(messageLine('json', draining, Date.now()));
      else out.info(`gpuproof serve: ${draining}`);
      await agent.close(grace * 1000);
      line({ event: 'stopped', signal, stats: agent.info().stats }, 'stopped');
      setCode(0);
    })
    .command('receipts', 'list the receipts in the ledger, newest first', (c) => c
      .example('$0 receipts --db receipts.db', 'every receipt, signatures re-verified')
      .example('$0 receipts --executor executor.key.pub --limit 10 --json', 'one executor\'s last ten')
      .option('executor', { type: 'string', describe: 'only this executor: .pub file, base64 public key or key file' })
      .option('db', { type: 'string', describe: 'ledger file (default $GPUPROOF_HOME/receipts.db)' })
      .option('limit', { type: 'number', default: 100, describe: 'at most this many receipts' }), async (raw) => {
      const a = raw as unknown as Args;
      const out = makeOut(a.json, 'receipts');
      const limit = intOption(a.limit, 'limit', 1, 1_000_000);
      const executor = typeof a.executor === 'string' ? await readPubKey(a.executor, 'executor') : undefined;
      const path = typeof a.db === 'string' ? a.db : defaultLedgerPath();
      const ledger = Ledger.open(path, { readonly: true, field: 'db' });
      try {
        const rows = ledger.receipts({ ...(executor ? { executor } : {}), limit });
        const unfinished = [...ledger.challenges({ status: 'issued' }), ...ledger.challenges({ status: 'answered' })]
          .filter((c) => executor === undefined || c.executorKey === executor);
        const receipts = rows.map((r) => ({ ...r, signatureValid: backedBySignature(r) }));
        const human = [
          table([
            ['#', 'time', 'executor', 'result', 'class', 'score', 'GFLOPS', 'window ms', 'rtt ms', 'sig', 'reason'],
            ...receipts.map((r) => [
              String(r.seq), new Date(r.issuedAt).toISOString(), `${r.executorKey.slice(0, 12)}…`, r.accepted ? 'accepted' : 'REJECTED', r.class ?? '-',
              r.score.toFixed(2), r.gflops === null ? '-' : r.gflops.toPrecision(4), r.observedMs === null ? '-' : r.observedMs.toFixed(1),
              r.rttMs === null ? '-' : r.rttMs.toFixed(1), r.signatureValid ? 'ok' : 'BAD', (r.reason ?? '').slice(0, 60),
            ]),
          ]),
          unfinished.length > 0 ? `\n${unfinished.length} challenge(s) sent without a receipt (validator stopped mid-run): ${unfinished.map((c) => `${c.id} (${c.status})`).join(', ')}` : '',
        ].join('');
        const valid = receipts.every((r) => r.signatureValid);
        out.result({ db: path, receipts, unfinished }, human, valid);
        setCode(valid ? 0 : 1);
      } finally {
        ledger.close();
      }
    });
}
