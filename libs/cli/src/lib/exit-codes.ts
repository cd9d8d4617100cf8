/** Exit codes scripts can rely on (documented in `vela --help` and the README). */
export const EXIT = { success: 0, failure: 1, usage: 2, interrupted: 130 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_CODES_HELP = `Exit codes: ${EXIT.success} success, ${EXIT.failure} the run or command failed, ${EXIT.usage} usage or config error, ${EXIT.interrupted} interrupted.`;

/** A failure the CLI reports as one line (`vela: <message>`) and exits with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.failure,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
