// node:fs/promises as src/protocol/keys.ts sees it in test/keys-files.test.ts (fs-faults-hooks.mjs
// redirects that one import here): the real module, except that `link` fails with the errno a
// test sets in fsFaults.link, first running fsFaults.before (e.g. to create the target, as a racing
// writer would). Only for filesystem failures no test can cause for real (no hard links, a race).
import * as fs from 'node:fs/promises';

export const fsFaults = { link: undefined, before: undefined };

export * from 'node:fs/promises';

export async function link(existing, target) {
  if (fsFaults.link === undefined) return fs.link(existing, target);
  await fsFaults.before?.(existing, target);
  throw Object.assign(new Error(`${fsFaults.link}: injected by test/helpers/fs-faults.mjs, link '${existing}' -> '${target}'`), { code: fsFaults.link });
}
