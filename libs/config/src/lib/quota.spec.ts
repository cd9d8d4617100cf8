import { QuotaSyntaxError, evaluateQuota, formatQuota, parseQuota, quotaMetrics } from './quota';

describe('parseQuota', () => {
  it("reads Vega's quota strings", () => {
    expect(parseQuota('flops < 1.6 and params < 1e10')).toEqual({
      kind: 'and',
      left: { kind: 'compare', metric: 'flops', operator: '<', value: 1.6 },
      right: { kind: 'compare', metric: 'params', operator: '<', value: 1e10 },
    });
    expect(parseQuota('latency in [1, 10.5]')).toEqual({ kind: 'in_range', metric: 'latency', low: 1, high: 10.5 });
  });

  it('binds and tighter than or, and honours parentheses', () => {
    expect(formatQuota(parseQuota('flops < 1 or params < 2 and latency <= 3'))).toBe('flops < 1 or params < 2 and latency <= 3');
    const grouped = parseQuota('(flops < 1 or params < 2) and latency >= 3');
    expect(grouped.kind).toBe('and');
    expect(formatQuota(grouped)).toBe('(flops < 1 or params < 2) and latency >= 3');
    expect(quotaMetrics(grouped)).toEqual(['flops', 'params', 'latency']);
  });

  it.each([
    ['', /found an empty string/],
    ['flop < 1', /unknown metric 'flop'; did you mean 'flops'\? \(known: flops, params, latency\)/],
    ['flops 1', /expected a comparison \(< <= > >= == !=\) or 'in' after flops, found '1'/],
    ['flops < ', /expected a number, found the end/],
    ['flops < 1 params < 2', /expected 'and', 'or' or the end, found 'params'/],
    ['(flops < 1', /expected '\)', found the end/],
    ['flops < 1; process.exit()', /unexpected character ';'/],
    ['latency in [5, 1]', /the range \[5, 1\] of latency is empty/],
  ])('rejects %j', (text, message) => {
    expect(() => parseQuota(text)).toThrow(QuotaSyntaxError);
    expect(() => parseQuota(text)).toThrow(message);
  });

  it('names the column of the problem', () => {
    try {
      parseQuota('flops < 1 and paramz < 2');
      throw new Error('expected a syntax error');
    } catch (error) {
      expect((error as QuotaSyntaxError).column).toBe(15);
    }
  });
});

describe('evaluateQuota', () => {
  const quota = parseQuota('flops < 1.6 and (params < 1e3 or latency in [0, 5])');

  it.each([
    [{ flops: 1, params: 500, latency: 100 }, true],
    [{ flops: 1, params: 5000, latency: 5 }, true],
    [{ flops: 1, params: 5000, latency: 6 }, false],
    [{ flops: 1.6, params: 1, latency: 1 }, false],
  ])('evaluates %j to %s', (metrics, expected) => {
    expect(evaluateQuota(quota, metrics)).toBe(expected);
  });

  it('compares with every operator', () => {
    const results = ['<', '<=', '>', '>=', '==', '!='].map((operator) => evaluateQuota(parseQuota(`params ${operator} 2`), { params: 2 }));
    expect(results).toEqual([false, true, false, true, true, false]);
  });

  it('refuses to guess a metric that was not measured', () => {
    expect(() => evaluateQuota(parseQuota('latency < 5'), { flops: 1 })).toThrow('the quota reads latency, but no latency was measured');
  });
});
