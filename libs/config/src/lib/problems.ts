import { ValidationErrors } from '@vela/errors';
import { type ConfigPath, formatPath } from './config-path';
import type { SourceMap } from './source-map';

/** One error or warning about a config, placed at a YAML path and (when known) its line. */
export interface ConfigProblem {
  /** `hpo.trainer.epochs`. */
  readonly path: string;
  /** 1-based line in the YAML file, absent for defaults and `--set` overrides. */
  readonly line?: number;
  /** What was expected and what was found, without the place. */
  readonly detail: string;
  /** The place and the detail, as printed. */
  readonly message: string;
}

/** Every error of one config at once; `problems` are the printed lines, `details` the structured ones. */
export class ConfigValidationError extends ValidationErrors {
  constructor(readonly details: readonly ConfigProblem[]) {
    super(details.map((problem) => problem.message));
  }
}

/** Collects problems against a source map, so each one names its path and line. */
export class ProblemCollector {
  private readonly problems: ConfigProblem[] = [];
  private readonly seen = new Set<string>();

  constructor(private readonly sources: SourceMap) {}

  /**
   * Adds a problem at `path`. A problem already reported for the same written value (a value
   * copied by `ref:` or merged from an anchor fails wherever it lands) is reported once.
   */
  add(path: ConfigPath, detail: string): void {
    const origin = this.sources.originOf(path);
    const source = origin?.kind === 'file' ? `${origin.line}:${origin.column}` : origin?.kind === 'override' ? origin.text : formatPath(path);
    if (this.seen.has(`${source} ${detail}`)) return;
    this.seen.add(`${source} ${detail}`);
    const message = `${this.sources.describe(path)}: ${detail}`;
    this.problems.push({ path: formatPath(path), line: origin?.kind === 'file' ? origin.line : undefined, detail, message });
  }

  /** A problem that belongs to a line rather than a path (malformed YAML). */
  addAtLine(line: number, detail: string): void {
    const place = this.sources.filePath ? `${this.sources.filePath}:${line}` : `line ${line}`;
    this.problems.push({ path: '', line, detail, message: `${place}: ${detail}` });
  }

  /** A problem at a place that is neither a path nor a line (a malformed `--set`). */
  addAtPlace(place: string, detail: string): void {
    this.problems.push({ path: '', detail, message: `${place}: ${detail}` });
  }

  get count(): number {
    return this.problems.length;
  }

  list(): readonly ConfigProblem[] {
    return [...this.problems].sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
  }

  throwIfAny(): void {
    if (this.problems.length) throw new ConfigValidationError(this.list());
  }
}
