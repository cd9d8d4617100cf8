import type { ArgReader } from './arg-reader';

/** The class count, under either of Vega's spellings (`num_class` in most networks, `num_classes` in some). */
export function readNumClass(args: ArgReader, fallback = 10): number {
  return args.int(args.firstOf(['num_class', 'num_classes']), fallback, { min: 1 });
}
