import { answerEach, valueOrRefusal } from './batch-items';
import { InvalidArgumentError, NotFoundError } from './errors';

describe('batch items', () => {
  it('keeps a refusal as the item, and rethrows anything else', () => {
    expect(valueOrRefusal(() => 3)).toBe(3);
    const refusal = valueOrRefusal(() => {
      throw new InvalidArgumentError('must be positive', 'n');
    });
    expect(refusal).toBeInstanceOf(InvalidArgumentError);
    expect(() =>
      valueOrRefusal(() => {
        throw new TypeError('a bug');
      }),
    ).toThrow(TypeError);
  });

  it('answers every item in order, running only the valid ones', async () => {
    const bad = new InvalidArgumentError('bad', 'items[1]');
    const missing = new NotFoundError('gone');
    const seen: number[][] = [];
    const answers = await answerEach<number, string>([1, bad, 2, 3], async (valid) => {
      seen.push(valid);
      return [`one`, missing, `three`];
    });
    expect(seen).toEqual([[1, 2, 3]]);
    expect(answers).toEqual(['one', bad, missing, 'three']);
    expect(await answerEach<number, string>([bad], async () => Promise.reject(new Error('not called')))).toEqual([bad]);
  });
});
