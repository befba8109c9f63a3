// Module hooks (node:module register) for test/keys-files.test.ts: src/protocol/keys' import of
// node:fs/promises resolves to fs-faults.mjs, which can make `link` fail. Nothing else is redirected.
const FAULTS = new URL('./fs-faults.mjs', import.meta.url).href;

export async function resolve(specifier, context, next) {
  if (specifier === 'node:fs/promises' && /\/src\/protocol\/keys\.[jt]s$/.test(context.parentURL ?? '')) return next(FAULTS, context);
  return next(specifier, context);
}
