// Packing the kit and installing the tarball as a user would, without a registry: the working
// tree is copied (tracked and untracked files that git does not ignore, i.e. what a clone plus
// uncommitted edits holds), packed with `npm pack` (whose prepack builds dist/), and installed
// into an empty project with `npm ci --offline`, every dependency coming from the npm cache that
// the checkout's own `npm ci` filled.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from './cli.js';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (never rejects on a non-zero exit: the caller asserts the code). */
export function run(cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd: opts.cwd, env: { ...process.env, XDG_RUNTIME_DIR: '/tmp', ...opts.env }, maxBuffer: 64 << 20, timeout: opts.timeoutMs ?? 300_000 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') reject(new Error(`${cmd} ${args.join(' ')}: ${err.message}\n${stderr}`));
      else resolve({ code: typeof err?.code === 'number' ? err.code : 0, stdout, stderr });
    });
  });
}

/** Copies the working tree into `dest`, with the checkout's node_modules linked in for prepack's tsc. */
export async function copyWorkingTree(dest: string): Promise<void> {
  const listed = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO_ROOT });
  if (listed.code !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
  // node_modules may be a symlink, which the `node_modules/` ignore rule does not match.
  const files = listed.stdout.split('\0').filter((f) => f !== '' && f !== 'node_modules' && existsSync(join(REPO_ROOT, f)));
  for (const f of files) {
    mkdirSync(dirname(join(dest, f)), { recursive: true });
    cpSync(join(REPO_ROOT, f), join(dest, f));
  }
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dest, 'node_modules'));
}

export interface Packed {
  tarball: string;
  files: string[];
}

/** `npm pack` in `dir` (prepack runs), the tarball written to `outDir`. */
export async function pack(dir: string, outDir: string): Promise<Packed> {
  const r = await run('npm', ['pack', '--json', '--pack-destination', outDir], { cwd: dir });
  if (r.code !== 0) throw new Error(`npm pack failed (${r.code}):\n${r.stderr}`);
  const [info] = JSON.parse(r.stdout) as { filename: string; files: { path: string }[] }[];
  if (!info) throw new Error(`npm pack printed no tarball: ${r.stdout}`);
  return { tarball: join(outDir, info.filename), files: info.files.map((f) => f.path) };
}

interface LockEntry {
  dev?: boolean;
  [key: string]: unknown;
}

/**
 * An application depending on the tarball alone, with a lock file pinning its dependencies to
 * the versions and integrity hashes of the checkout's lock, so `npm ci --offline` needs no
 * registry metadata (which a lock-file install never fetched into the cache).
 */
function writeApp(appDir: string, tarball: string): void {
  const kit = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
  const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const spec = `file:${tarball}`;
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
  const packages: Record<string, unknown> = {
    '': { name: 'app', dependencies: { gpuproof: spec } },
    'node_modules/gpuproof': { version: kit.version, resolved: spec, integrity, license: kit.license, dependencies: kit.dependencies, bin: kit.bin, engines: kit.engines },
  };
  for (const [path, entry] of Object.entries(lock.packages)) if (path !== '' && entry.dev !== true) packages[path] = entry;
  mkdirSync(appDir, { recursive: true });
  writeFileSync(join(appDir, 'package.json'), `${JSON.stringify({ name: 'app', private: true, dependencies: { gpuproof: spec } }, null, 2)}\n`);
  writeFileSync(join(appDir, 'package-lock.json'), `${JSON.stringify({ name: 'app', lockfileVersion: 3, requires: true, packages }, null, 2)}\n`);
}

/**
 * better-sqlite3 is native: its install script fetches a prebuilt binary or, offline, compiles
 * SQLite (minutes). The checkout's `npm ci` already built that binary for this exact version,
 * Node ABI and platform; handed to prebuild-install as a local prebuild (its own mechanism, which
 * loads the binary to check it), the install script runs as it would for a user, in seconds.
 */
async function localSqlitePrebuild(dir: string): Promise<NodeJS.ProcessEnv> {
  const require = createRequire(join(REPO_ROOT, 'package.json'));
  const pkgDir = dirname(require.resolve('better-sqlite3/package.json'));
  const { version } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string };
  if (!existsSync(join(pkgDir, 'build', 'Release', 'better_sqlite3.node'))) return {};
  mkdirSync(dir, { recursive: true });
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  const r = await run('tar', ['-czf', join(dir, name), '-C', pkgDir, 'build/Release/better_sqlite3.node'], { cwd: dir });
  if (r.code !== 0) throw new Error(`tar failed: ${r.stderr}`);
  return { npm_config_better_sqlite3_local_prebuilds: dir };
}

/** Installs `tarball` into a new application at `appDir` with no registry access. */
export async function installOffline(tarball: string, appDir: string, prebuildDir: string): Promise<Run> {
  writeApp(appDir, tarball);
  const env = await localSqlitePrebuild(prebuildDir);
  return run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], { cwd: appDir, env, timeoutMs: 600_000 });
}
