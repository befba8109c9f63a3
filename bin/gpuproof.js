#!/usr/bin/env node
// Entry point for `npx gpuproof`: runs the compiled CLI (npm run setup builds it).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  console.error('gpuproof: not built yet; run `npm run setup` first');
  process.exit(2);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
