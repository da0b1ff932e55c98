/**
 * One error hierarchy for everything that can end a sessbench command. Each error carries a stable
 * `code`, the process exit code it maps to and an optional hint. Only `cli/main.ts` turns these into
 * output and an exit; everything else throws them. A failed request during a run is not an error of
 * this kind: it is data, counted by the driver.
 */

/** Process exit codes, documented in the README. Stable: CI pipelines depend on them. */
export const ExitCode = {
  ok: 0,
  /** A bug in sessbench itself (an error that is not a SessbenchError). */
  internal: 1,
  /** Invalid scenario file or command-line usage. */
  invalidInput: 2,
  /** The run finished but one or more thresholds failed. */
  thresholdsFailed: 3,
  /** The run (or `compare`) found a regression against the baseline. */
  regression: 4,
  /** The environment is missing something: redis-server, a free port, a writable folder. */
  environment: 5,
  /** Interrupted by SIGINT/SIGTERM; partial results were written. */
  interrupted: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export class SessbenchError extends Error {
  readonly code: string;
  readonly exitCode: ExitCodeValue;
  readonly hint: string | undefined;

  constructor(code: string, message: string, opts: { exitCode: ExitCodeValue; hint?: string; cause?: unknown }) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = opts.exitCode;
    this.hint = opts.hint;
  }
}

/** Bad command-line usage (unknown backend name, conflicting flags). */
export class UsageError extends SessbenchError {
  constructor(message: string, hint?: string) {
    super('E_USAGE', message, { exitCode: ExitCode.invalidInput, ...(hint ? { hint } : {}) });
  }
}

/** One problem found in a scenario file, with its position. */
export interface ScenarioIssue {
  /** 1-based line and column; 0 when the problem has no place in the file (for example a missing file). */
  line: number;
  col: number;
  /** Key path like `load.phases[1].duration`; empty for the document itself. */
  path: string;
  message: string;
}

/** Every problem in a scenario file at once. */
export class ScenarioError extends SessbenchError {
  readonly file: string;
  readonly issues: readonly ScenarioIssue[];

  constructor(file: string, issues: readonly ScenarioIssue[]) {
    super('E_SCENARIO', `${file}: ${issues.length} problem${issues.length === 1 ? '' : 's'} in the scenario`, {
      exitCode: ExitCode.invalidInput,
    });
    this.file = file;
    this.issues = issues;
  }

  /** One line per issue: `file:line:col path: message`. */
  format(): string {
    return this.issues
      .map((i) => {
        const where = i.line > 0 ? `${this.file}:${i.line}:${i.col}` : this.file;
        return `${where} ${i.path ? `${i.path}: ` : ''}${i.message}`;
      })
      .join('\n');
  }
}

/** Something the machine lacks or refuses: a binary, a port, a folder. */
export class EnvironmentError extends SessbenchError {
  constructor(message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super('E_ENVIRONMENT', message, { exitCode: ExitCode.environment, ...opts });
  }
}

/** The message of any thrown value, for wrapping low-level errors with context. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
