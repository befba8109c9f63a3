// The kit's own version, read from package.json at run time so a report, a JSON envelope and
// `--version` can never disagree with what was installed. dist/ and src/ both sit one level
// below the package root, so the same relative URL serves a checkout and an install.
import { readFileSync } from 'node:fs';

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0-unknown';
  } catch {
    return '0.0.0-unknown';
  }
}

/** gpuproof's package version, e.g. `0.1.0`. */
export const KIT_VERSION: string = readVersion();
