import { Point } from '@vela/search-space';
import { BaseAlgorithm } from '../core/base.algorithm';
import { AlgorithmContext, Suggestion } from '../core/types';
import { GridPolicy, parseGridSettings } from './grid.settings';

/**
 * Grid search: the space's grid in its fixed order (first parameter slowest; numeric ranges
 * take `slice` points), children only where active, forbidden points skipped. The k-th new
 * trial gets the k-th grid point, so the state is just the book. The grid is enumerated
 * lazily, as far as the search has got.
 */
export class GridAlgorithm extends BaseAlgorithm<GridPolicy> {
  private readonly points: Point[] = [];
  private readonly walker: Iterator<Point>;
  private exhausted = false;

  constructor(context: AlgorithmContext) {
    super('grid', context, parseGridSettings(context.settings, context.path ?? 'search_algorithm'));
    if (this.settings.policy.num_sample === undefined) this.space.gridBound();
    this.walker = this.space.grid();
  }

  /** The grid point at `index`, or undefined past the end (or past `num_sample`). */
  private pointAt(index: number): Point | undefined {
    if (index >= (this.settings.policy.num_sample ?? Infinity)) return undefined;
    while (this.points.length <= index && !this.exhausted) {
      const next = this.walker.next();
      if (next.done) this.exhausted = true;
      else this.points.push(next.value);
    }
    return this.points[index];
  }

  protected propose(_index: number, batch: readonly Suggestion[]): Suggestion | undefined {
    const next = this.newTrialCount(batch);
    const point = this.pointAt(next);
    if (!point) return undefined;
    const epochs = this.settings.policy.epochs;
    return this.suggestionFor(point, { ...(epochs ? { budget: { epochs } } : {}), info: { gridIndex: next } });
  }

  protected get finished(): boolean {
    return this.pointAt(this.book.size) === undefined;
  }
}
