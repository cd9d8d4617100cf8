import { type ConfigPath, formatPath, pathKey } from './config-path';

/** Where a value came from: a line of the YAML file or a `--set` override. */
export type ValueOrigin = { readonly kind: 'file'; readonly line: number; readonly column: number } | { readonly kind: 'override'; readonly text: string };

/**
 * Maps every config path to where its value was written. A path with no entry of its own
 * (a default, or a child of a referenced section) is located by its closest ancestor.
 */
export class SourceMap {
  private readonly origins = new Map<string, ValueOrigin>();

  constructor(readonly filePath?: string) {}

  set(path: ConfigPath, origin: ValueOrigin): void {
    this.origins.set(pathKey(path), origin);
  }

  setIfAbsent(path: ConfigPath, origin: ValueOrigin): void {
    const key = pathKey(path);
    if (!this.origins.has(key)) this.origins.set(key, origin);
  }

  /** Drops the origins of `path` and everything below it (the value was replaced). */
  deleteBelow(path: ConfigPath): void {
    const prefix = pathKey(path);
    for (const key of [...this.origins.keys()]) {
      if (key === prefix || key.startsWith(`${prefix}\u0000`)) this.origins.delete(key);
    }
  }

  /** Copies the origins under `from` to the same relative paths under `to`, keeping existing ones. */
  copyBelow(from: ConfigPath, to: ConfigPath): void {
    const prefix = pathKey(from);
    const target = pathKey(to);
    for (const [key, origin] of [...this.origins]) {
      if (key.startsWith(`${prefix}\u0000`)) {
        const moved = target + key.slice(prefix.length);
        if (!this.origins.has(moved)) this.origins.set(moved, origin);
      }
    }
  }

  originOf(path: ConfigPath): ValueOrigin | undefined {
    for (let length = path.length; length >= 0; length--) {
      const origin = this.origins.get(pathKey(path.slice(0, length)));
      if (origin) return origin;
    }
    return undefined;
  }

  /** `default.yml:12: hpo.trainer.epochs`, `line 12: hpo.trainer.epochs` or `--set hpo.trainer.epochs=0: hpo.trainer.epochs`. */
  describe(path: ConfigPath): string {
    const origin = this.originOf(path);
    const where = formatPath(path);
    if (!origin) return this.filePath ? `${this.filePath}: ${where}` : where;
    if (origin.kind === 'override') return `--set ${origin.text}: ${where}`;
    return `${this.filePath ? `${this.filePath}:` : 'line '}${origin.line}: ${where}`;
  }
}
