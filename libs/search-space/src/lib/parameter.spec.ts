import fc from 'fast-check';
import { JsonValue } from './json';
import { HyperparameterConfig, createParameter, rangeProblem } from './parameter';

/** Valid config entries of every type, with random ranges. */
const entries: fc.Arbitrary<HyperparameterConfig> = fc.oneof(
  fc.tuple(fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: 1, max: 1000 })).map(([low, width]) => ({ key: 'p', type: 'INT' as const, range: [low, low + width] })),
  fc.tuple(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 1000 })).map(([low, width]) => ({ key: 'p', type: 'INT_EXP' as const, range: [low, low + width] })),
  fc.tuple(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.double({ min: 1e-3, max: 1e6, noNaN: true })).map(([low, width]) => ({ key: 'p', type: 'FLOAT' as const, range: [low, low + width] })),
  fc.tuple(fc.double({ min: 1e-8, max: 1e3, noNaN: true }), fc.double({ min: 1.01, max: 1e4, noNaN: true })).map(([low, factor]) => ({ key: 'p', type: 'FLOAT_EXP' as const, range: [low, low * factor] })),
  fc.uniqueArray(fc.oneof(fc.string(), fc.integer(), fc.boolean()), { minLength: 1, maxLength: 8 }).map((range) => ({ key: 'p', type: 'CATEGORY' as const, range: range as JsonValue[] })),
  fc.constant({ key: 'p', type: 'BOOL' as const, range: [true, false] }),
  fc.uniqueArray(fc.integer({ min: 0, max: 20 }), { minLength: 2, maxLength: 6 }).map((range) => ({ key: 'p', type: 'ADJACENCY_LIST' as const, range })),
  fc.integer({ min: 1, max: 12 }).chain((size) => fc.oneof(fc.constant([size]), fc.integer({ min: 0, max: size }).map((ones) => [size, ones]))).map((range) => ({ key: 'p', type: 'BINARY_CODE' as const, range })),
  fc.integer({ min: 2, max: 12 }).map((size) => ({ key: 'p', type: 'HALF' as const, range: [size] })),
);

describe('parameters (property-based)', () => {
  it('decode any unit coordinates into an allowed value, and round-trip through the unit cube', () => {
    fc.assert(
      fc.property(entries, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 13, maxLength: 13 }), (entry, u) => {
        expect(rangeProblem(entry.type, entry.range ?? [])).toBeUndefined();
        const parameter = createParameter(entry);
        const value = parameter.fromUnit(u.slice(0, parameter.dims.length));
        expect(parameter.problem(value)).toBeUndefined();
        const back = parameter.fromUnit(parameter.toUnit(value));
        if (typeof value === 'number' && !Number.isInteger(value)) expect(Math.abs((back as number) - value)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(value)));
        else expect(back).toEqual(value);
      }),
      { numRuns: 500, seed: 42 },
    );
  });

  it('enumerate grids of allowed values', () => {
    fc.assert(
      fc.property(entries, (entry) => {
        const parameter = createParameter(entry);
        const values = [...parameter.gridValues()];
        expect(values.length).toBe(parameter.gridSize());
        for (const value of values) expect(parameter.problem(value)).toBeUndefined();
      }),
      { numRuns: 200, seed: 7 },
    );
  });
});
