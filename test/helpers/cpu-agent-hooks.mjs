// Module hooks (node:module register) for test/agent-admission.test.ts: src/server/agent's imports
// of the executor and the autotuner resolve to the CPU stand-in of cpu-executor.ts, so the agent's
// admission path runs without a GPU. Only imports made by agent itself are redirected.
const STAND_IN = new URL('./cpu-executor.js', import.meta.url).href;
const REDIRECTED = new Set(['../roles/executor.js', '../roles/autotune.js']);

export async function resolve(specifier, context, next) {
  if (REDIRECTED.has(specifier) && /\/src\/server\/agent\.[jt]s$/.test(context.parentURL ?? '')) return next(STAND_IN, context);
  return next(specifier, context);
}
