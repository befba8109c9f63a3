// Time limits of their own for tests that can hang (docs/testing.md, "Tests that can hang"): a few
// times what they take on a loaded 2-core machine with lavapipe, far below the runner's limit of 15
// minutes a test (scripts/test.sh), so a hang fails in minutes and the failure names the test.
/** Waits on the GPU: a Dawn promise that a hung or lost device never settles. */
export const GPU_LIMIT = { timeout: 120_000 };
/** Waits on HTTP or a worker thread inside this process. */
export const NET_LIMIT = { timeout: 60_000 };
/** Waits on a spawned agent or CLI process (each spawn also has its own limit). */
export const PROCESS_LIMIT = { timeout: 180_000 };
