import { closestMatch, didYouMean, editDistance } from './closest-match';
import { InvalidArgumentError, ValidationErrors } from './errors';

describe('closestMatch', () => {
  it('measures edit distance', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });
  it('finds a plausible typo, case-insensitively', () => {
    expect(closestMatch('RandomSerch', ['GridSearch', 'RandomSearch', 'TPE'])).toBe('RandomSearch');
    expect(closestMatch('adam', ['SGD', 'Adam', 'AdamW'])).toBe('Adam');
  });
  it('suggests nothing when every candidate is far', () => {
    expect(closestMatch('zzzzzzzz', ['Adam', 'SGD'])).toBeUndefined();
    expect(didYouMean('zzzzzzzz', ['Adam'])).toBe('');
    expect(didYouMean('Adm', ['Adam'])).toBe(" (did you mean 'Adam'?)");
  });
});

describe('errors', () => {
  it('prefix the message with the field', () => {
    const error = new InvalidArgumentError('must be finite, got NaN', 'objectives[0].value');
    expect(error.message).toBe('objectives[0].value: must be finite, got NaN');
    expect(error.kind).toBe('INVALID_ARGUMENT');
    expect(error.name).toBe('InvalidArgumentError');
  });
  it('gather several problems into one error', () => {
    const error = new ValidationErrors(['a: bad', 'b: worse']);
    expect(error.message).toContain('2 problems');
    expect(error.problems).toEqual(['a: bad', 'b: worse']);
  });
});
