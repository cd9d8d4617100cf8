import type { ExitCode } from './exit-codes';

/** What a command found: the same facts as JSON for scripts and as lines for people. */
export interface CommandOutput {
  readonly json: unknown;
  readonly lines: readonly string[];
  /** Set when what was found is a failure (an invalid config): the lines go to stderr and the CLI exits with it. */
  readonly exitCode?: ExitCode;
}

/** `--json` prints one JSON document; otherwise the lines. */
export function renderOutput(output: CommandOutput, asJson: boolean): string {
  return asJson ? `${JSON.stringify(output.json, null, 2)}\n` : output.lines.length ? `${output.lines.join('\n')}\n` : '';
}
