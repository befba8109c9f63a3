// The one small set of errors. The CLI maps each code to an exit status; verification never
// throws on a bad proof (it returns a verdict), so these are for bad input, refusals and faults.

/** What went wrong, coarse enough for an exit status and for HTTP status codes. */
export type ErrorCode =
  | 'USAGE' // bad command line
  | 'INPUT' // a malformed message, file or size: names the field
  | 'REFUSED' // a well-formed message the role refuses: expired, replayed, wrong key
  | 'GPU' // no adapter, lost device, allocation failure, validation error
  | 'IO' // a file could not be read or written
  | 'INTERNAL';

export class GpuproofError extends Error {
  readonly code: ErrorCode;
  /** Dotted path of the offending field, when there is one (e.g. `body.matmul.n`). */
  readonly field: string | undefined;

  constructor(code: ErrorCode, message: string, options: { field?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GpuproofError';
    this.code = code;
    this.field = options.field;
  }
}

export const inputError = (field: string, message: string): GpuproofError =>
  new GpuproofError('INPUT', `${field}: ${message}`, { field });

export const refused = (message: string, field?: string): GpuproofError =>
  new GpuproofError('REFUSED', message, field === undefined ? {} : { field });

export const gpuError = (message: string, cause?: unknown): GpuproofError =>
  new GpuproofError('GPU', message, cause === undefined ? {} : { cause });

/** Exit status: 2 for bad usage or input, 1 for refusals and failures. */
export function exitCodeOf(err: unknown): 1 | 2 {
  if (err instanceof GpuproofError && (err.code === 'USAGE' || err.code === 'INPUT')) return 2;
  return 1;
}
