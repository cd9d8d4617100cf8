import { VelaError } from './errors';

/**
 * `run()`'s value, or the VelaError it threw (any other error is rethrown): how a batch call
 * refuses one of its items alone instead of failing the whole call.
 */
export function valueOrRefusal<T>(run: () => T): T | VelaError {
  try {
    return run();
  } catch (error) {
    if (error instanceof VelaError) return error;
    throw error;
  }
}

/**
 * Runs `run` on the items that are not refusals (in order) and answers every item in order:
 * a refusal stands for itself, the others get `run`'s answers.
 */
export async function answerEach<I, O>(items: readonly (I | VelaError)[], run: (valid: I[]) => Promise<readonly (O | VelaError)[]>): Promise<(O | VelaError)[]> {
  const valid = items.filter((item): item is I => !(item instanceof VelaError));
  const answers = valid.length > 0 ? await run(valid) : [];
  let next = 0;
  return items.map((item) => (item instanceof VelaError ? item : answers[next++]));
}
