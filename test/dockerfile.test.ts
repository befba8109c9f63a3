// The Dockerfile's structure, read with dockerfile-ast (the parser behind the VS Code Docker
// language service), since no Docker daemon is at hand to build it: stages, what the final image
// holds and runs as, what it copies from the build context, and that .dockerignore (matched with
// @balena/dockerignore, Docker's own rules) keeps keys and ledgers out. The health check's command
// is run against a stub agent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { DockerfileParser, type Instruction, type Copy, type Env, type Healthcheck } from 'dockerfile-ast';
import { createRequire } from 'node:module';

// A CommonJS module whose types declare an ES default export: require gives the function itself.
const dockerignore = createRequire(import.meta.url)('@balena/dockerignore') as typeof import('@balena/dockerignore').default;

const root = fileURLToPath(new URL('..', import.meta.url));
const dockerfileText = readFileSync(`${root}Dockerfile`, 'utf8');
const dockerfile = DockerfileParser.parse(dockerfileText);
const ignore = dockerignore({ ignorecase: false }).add(readFileSync(`${root}.dockerignore`, 'utf8'));

interface Stage {
  name: string | null;
  image: string | null;
  instructions: Instruction[];
}

/** Instructions grouped under their FROM. */
function stages(): Stage[] {
  const out: Stage[] = [];
  const froms = dockerfile.getFROMs();
  for (const ins of dockerfile.getInstructions()) {
    const from = froms.find((f) => f.getRange().start.line === ins.getRange().start.line);
    if (from) out.push({ name: from.getBuildStage(), image: from.getImage(), instructions: [] });
    else out.at(-1)?.instructions.push(ins);
  }
  return out;
}

const finalStage = (): Stage => stages().at(-1)!;
const ofKind = <T extends Instruction>(s: Stage, kw: string): T[] => s.instructions.filter((i) => i.getKeyword() === kw) as T[];
const runText = (s: Stage): string => ofKind(s, 'RUN').map((r) => r.getArgumentsContent() ?? '').join('\n');
const jsonArgs = (ins: Instruction): string[] => JSON.parse((ins.getArgumentsContent() ?? '').replace(/^CMD\s+/, '')) as string[];

function finalEnv(): Map<string, string> {
  const env = new Map<string, string>();
  for (const e of ofKind<Env>(finalStage(), 'ENV')) for (const p of e.getProperties()) env.set(p.getName(), p.getValue() ?? '');
  return env;
}

test('two stages from plain Docker Hub Node 20 bookworm images, the build stage named and used', () => {
  const all = stages();
  assert.ok(all.length >= 2, 'multi-stage');
  for (const f of dockerfile.getFROMs()) {
    assert.equal(f.getRegistry(), null, `${f.getImage()}: no registry host`);
    assert.match(f.getImage() ?? '', /^node:20-bookworm(-slim)?$/);
  }
  const build = all[0]!;
  assert.ok(build.name, 'the build stage has a name');
  assert.match(runText(build), /npm ci\b/);
  assert.match(runText(build), /npm run build|tsc\b/);
  const fromBuild = ofKind<Copy>(finalStage(), 'COPY').filter((c) => c.getFromFlag()?.getValue() === build.name);
  assert.deepEqual(fromBuild.map((c) => c.getArguments()[0]!.getValue()).sort(), ['/opt/gpuproof/dist', '/opt/gpuproof/node_modules', '/opt/gpuproof/package.json']);
});

test('the final stage carries production dependencies only: the build stage prunes before it is copied', () => {
  const build = stages()[0]!;
  const run = runText(build);
  const prune = run.search(/npm prune --omit=dev|npm ci --omit=dev/);
  assert.ok(prune >= 0, 'dev dependencies are removed in the build stage');
  assert.ok(prune > run.search(/npm run build|tsc\b/), 'after the build that needs them');
  assert.doesNotMatch(runText(finalStage()), /npm (ci|install)/, 'nothing installed from the registry in the final stage');
});

test('nothing built or installed on the host is copied: every context source exists and passes .dockerignore', () => {
  const copies = stages().flatMap((s) => ofKind<Copy>(s, 'COPY')).filter((c) => c.getFromFlag() === null);
  assert.ok(copies.length > 0);
  for (const c of copies) {
    const sources = c.getArguments().slice(0, -1).map((a) => a.getValue());
    for (const src of sources) {
      assert.doesNotMatch(src, /^(\.\/)?(dist|node_modules)\b/, `COPY ${src}: built on the host`);
      assert.ok(existsSync(`${root}${src}`), `COPY ${src}: not in the repository`);
      assert.equal(ignore.ignores(src), false, `COPY ${src}: excluded by .dockerignore`);
    }
  }
});

test('.dockerignore keeps keys, ledgers, host builds and git out of the context', () => {
  for (const p of ['validator.key', 'keys/executor.key', 'receipts.db', 'state/receipts.db-wal', 'node_modules/yaml/package.json', 'dist/cli/main.js', '.git/HEAD', '.gpuproof/agent/seen.json', 'gpuproof-0.1.0.tgz']) {
    assert.equal(ignore.ignores(p), true, `${p} reaches the image`);
  }
});

test('the final image runs as a non-root user with the NVIDIA graphics capability and the state on a volume', () => {
  const fin = finalStage();
  const user = ofKind(fin, 'USER').at(-1)?.getArgumentsContent();
  assert.ok(user && !/^(root|0)(:|$)/.test(user), `USER ${user}`);
  const env = finalEnv();
  assert.deepEqual(new Set(env.get('NVIDIA_DRIVER_CAPABILITIES')?.split(',')), new Set(['compute', 'utility', 'graphics']));
  assert.equal(env.get('NVIDIA_VISIBLE_DEVICES'), 'all');
  assert.ok(env.get('XDG_RUNTIME_DIR'));
  const home = env.get('GPUPROOF_HOME');
  assert.ok(home);
  assert.ok(ofKind(fin, 'VOLUME').some((v) => (v.getArgumentsContent() ?? '').includes(home)), 'GPUPROOF_HOME is a volume');
  assert.match(runText(fin), /libvulkan1/, 'the Vulkan loader the NVIDIA ICD plugs into');
  assert.deepEqual(jsonArgs(ofKind(fin, 'ENTRYPOINT')[0]!), ['node', '/opt/gpuproof/bin/gpuproof.js']);
});

test('a build argument makes the software-adapter image with Mesa from bookworm-backports', () => {
  const arg = ofKind(finalStage(), 'ARG').map((a) => a.getArgumentsContent());
  assert.ok(arg.includes('ADAPTER=gpu'), 'the GPU image is the default');
  assert.match(runText(finalStage()), /"\$ADAPTER" = software[\s\S]*bookworm-backports[\s\S]*mesa-vulkan-drivers/);
  assert.doesNotMatch(dockerfileText, /https?:\/\/(?!127\.0\.0\.1)/, 'no host names but loopback');
});

test('the health check asks the agent\'s /healthz (503 while draining or a device is lost) and fails on an error status or no answer', async () => {
  const hc = ofKind<Healthcheck>(finalStage(), 'HEALTHCHECK')[0];
  assert.ok(hc, 'HEALTHCHECK in the final stage');
  assert.equal(hc.getSubcommand()?.getValue(), 'CMD');
  const cmd = jsonArgs(hc);
  assert.equal(finalEnv().get('GPUPROOF_HEALTH_URL'), 'http://127.0.0.1:8420/healthz');
  let status = 200;
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(req.url ?? '');
    res.writeHead(status).end('{}');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`;
  const check = async (u: string): Promise<number | null> => {
    const child = spawn(cmd[0]!, cmd.slice(1), { env: { ...process.env, GPUPROOF_HEALTH_URL: u } });
    const [code] = (await once(child, 'exit')) as [number | null];
    return code;
  };
  try {
    assert.equal(await check(url), 0);
    status = 503;
    assert.equal(await check(url), 1);
  } finally {
    server.close();
  }
  assert.deepEqual(seen, ['/healthz', '/healthz']);
  assert.equal(await check(url), 1, 'nobody listening');
});
