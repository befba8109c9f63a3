// Dawn prints two notices from native code whenever it first looks at a Vulkan adapter
// ("maxDynamic…BuffersPerPipelineLayout artificially reduced … to fit dynamic offset allocation
// limit"): it capped limits the kit never uses. Dawn's logger is a bare fprintf to fd 2 with no
// level or callback to set, so there is no source to stop them at. Instead, on Linux, adapter
// discovery (synchronous inside requestAdapter) runs with fd 2 pointed at an unlinked temp file;
// afterwards everything it printed except those two lines goes back to stderr, so a Vulkan
// loader's or driver's real message still shows. Elsewhere, or when fd 2 is a regular file or a
// socket (reopening either could not keep its offset or is impossible), nothing is diverted.
import { closeSync, constants, fstatSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const DAWN_NOTICE = /^Warning: maxDynamic(?:Uniform|Storage)BuffersPerPipelineLayout artificially reduced from \d+ to \d+ to fit dynamic offset allocation limit\.\r?$/;

/** The text with Dawn's limit notices removed; every other line kept, in order. */
export function dropDawnNotices(text: string): string {
  return text.split('\n').filter((line) => !DAWN_NOTICE.test(line)).join('\n');
}

const REOPEN = constants.O_WRONLY | constants.O_APPEND | constants.O_NOCTTY;

// Only the process's first discovery is diverted: fd 2 is briefly closed, and a file another
// thread opened in that instant would take its number. At the first open nothing else is in
// flight; a long-running agent's later opens (requests and ledger writes under way) keep the notices.
let divertedOnce = false;

/** Runs fn (synchronous; a promise it returns is not awaited) with native writes to fd 2 filtered, the first time only. */
export function withoutDawnNotices<T>(fn: () => T): T {
  if (divertedOnce) return fn();
  divertedOnce = true;
  const diverted = divertStderr();
  if (!diverted) return fn();
  try {
    return fn();
  } finally {
    diverted();
  }
}

/** Points fd 2 at a temp file; returns the function that points it back and replays the rest. */
function divertStderr(): (() => void) | undefined {
  if (process.platform !== 'linux' || !divertible()) return undefined;
  let saved: number | undefined;
  let capture: number | undefined;
  try {
    saved = openSync('/proc/self/fd/2', REOPEN);
    const path = join(tmpdir(), `gpuproof-stderr-${process.pid}-${randomBytes(6).toString('hex')}`);
    capture = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, 0o600);
    unlinkSync(path);
  } catch {
    for (const fd of [saved, capture]) if (fd !== undefined) closeSync(fd);
    return undefined;
  }
  const keep = saved;
  const cap = capture;
  closeSync(2);
  // fd 2 is the lowest free descriptor (divertible checked 0 and 1 are open), so both opens land there.
  const at = openSync(`/proc/self/fd/${cap}`, REOPEN);
  const back = (): void => {
    const fd = openSync(`/proc/self/fd/${keep}`, REOPEN);
    if (fd !== 2) closeSync(fd);
    closeSync(keep);
  };
  if (at !== 2) {
    closeSync(at);
    back();
    closeSync(cap);
    return undefined;
  }
  return () => {
    closeSync(2);
    back();
    const rest = dropDawnNotices(readAll(cap));
    closeSync(cap);
    if (rest.length > 0) writeSync(2, rest);
  };
}

/** fd 2 a terminal or a pipe (reopening either through /proc reaches the same place, with no offset to lose), 0 and 1 open. */
function divertible(): boolean {
  try {
    fstatSync(0);
    fstatSync(1);
    const st = fstatSync(2);
    return st.isCharacterDevice() || st.isFIFO();
  } catch {
    return false;
  }
}

function readAll(fd: number): string {
  const chunks: Buffer[] = [];
  const buf = Buffer.alloc(64 * 1024);
  for (let pos = 0; ; ) {
    const n = readSync(fd, buf, 0, buf.length, pos);
    if (n === 0) break;
    chunks.push(Buffer.from(buf.subarray(0, n)));
    pos += n;
  }
  return Buffer.concat(chunks).toString('utf8');
}
