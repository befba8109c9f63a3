#!/usr/bin/env bash
# The test command: type-checks sources, tests and benches, then runs every test file with Node's
# own runner through tsx. GPU tests run on whatever adapter exists (lavapipe in CI).
set -euo pipefail
cd "$(dirname "$0")/.."
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
npx --no-install tsc -p tsconfig.check.json
# One file at a time: each GPU test file owns the single software device while it runs.
exec node --import tsx --test --test-concurrency=1 --test-reporter=spec "$@" test/*.test.ts
