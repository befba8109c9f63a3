#!/usr/bin/env bash
# The test command: type-checks sources, tests and benches, then runs every test file with Node's
# own runner through tsx. GPU tests run on whatever adapter exists (lavapipe in CI).
set -euo pipefail
cd "$(dirname "$0")/.."
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
npx --no-install tsc -p tsconfig.check.json
# One file at a time: each GPU test file owns the single software device while it runs. No test
# may take more than 15 minutes; tests that can hang have limits of their own far below that
# (test/helpers/limits.ts), so a hang fails early and the failure names the test.
exec node --import tsx --test --test-concurrency=1 --test-timeout=900000 --test-reporter=spec "$@" test/*.test.ts
