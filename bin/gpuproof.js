#!/usr/bin/env node
// Entry point for `npx gpuproof`: runs the compiled CLI. A checkout builds dist/ with `npm run
// setup`; a published package ships it (prepack builds it), so there a missing dist/ means a
// broken install, and the advice differs.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = new URL('../', import.meta.url);
const entry = new URL('dist/cli/main.js', root);
if (!existsSync(fileURLToPath(entry))) {
  // Only a checkout has the sources and their build configuration; a package ships neither.
  const checkout = existsSync(fileURLToPath(new URL('src/', root))) && existsSync(fileURLToPath(new URL('tsconfig.json', root)));
  if (checkout) {
    console.error('gpuproof: not built yet; run `npm run setup` in this checkout first');
    process.exit(2);
  }
  console.error(`gpuproof: this installed package is incomplete (${fileURLToPath(entry)} is missing); reinstall gpuproof, and report it if a fresh install shows the same`);
  process.exit(1);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
