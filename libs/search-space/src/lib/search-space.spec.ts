import { InvalidArgumentError } from '@vela/errors';
import { ALL_TYPES_SPACE, NETWORK_SPACE, SMALL_DISCRETE_SPACE } from '../testing';
import { canonicalJson, stableHash } from './json';
import { CodeParameter, NumericParameter } from './parameter';
import { Prng } from './prng';
import { Point, SearchSpace } from './search-space';

const space = SearchSpace.fromConfig(ALL_TYPES_SPACE);

describe('SearchSpace.fromConfig', () => {
  it('reads all nine types in config order', () => {
    expect(space.parameters.map((p) => p.type)).toEqual([
      'CATEGORY', 'FLOAT_EXP', 'FLOAT', 'BOOL', 'INT_EXP', 'INT', 'BINARY_CODE', 'BINARY_CODE', 'HALF', 'ADJACENCY_LIST', 'INT',
    ]);
    expect(space.parameter('network.backbone.edge').describe()).toContain('[[1,2],[1,3],[1,4],[2,3],[2,4],[3,4]]');
    expect(() => space.parameter('trainer.optimizer.typ')).toThrow("did you mean 'trainer.optimizer.type'");
  });

  it('reports every bad entry at once, naming the entry and the allowed range', () => {
    let error: unknown;
    try {
      SearchSpace.fromConfig({
        hyperparameters: [
          { key: 'lr', type: 'FLOAT_EXP', range: [0, 1] },
          { key: 'n', type: 'INTEGER', range: [1, 2] },
          { key: 'lr', type: 'FLOAT', range: [0, 1] },
          { key: 'c', type: 'CATEGORY', range: [], slise: 3 },
        ],
        condition: [{ key: 'c1', child: 'lr', parent: 'nope', type: 'EQUAL', range: [1] }],
        forbidden: [{ lr: 5 }],
        hyperparameter: [],
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidArgumentError);
    const message = (error as Error).message;
    expect(message).toContain("search_space.hyperparameters[0] (key 'lr').range: FLOAT_EXP range must be [low, high] with numbers low > 0 and low < high, got [0,1]");
    expect(message).toContain("search_space.hyperparameters[1] (key 'n').type: unknown type 'INTEGER' (did you mean 'INT'?)");
    expect(message).toContain("search_space.hyperparameters[2] (key 'lr'): duplicate key 'lr'");
    expect(message).toContain("search_space.hyperparameters[3] (key 'c').slise: unknown field (did you mean 'slice'?)");
    expect(message).toContain('CATEGORY range must list at least one choice');
    expect(message).toContain("search_space.condition[0] (key 'c1').parent: no hyperparameter 'nope'");
    expect(message).toContain("search_space.hyperparameter: unknown key (did you mean 'hyperparameters'?)");
  });

  it('rejects cyclic conditions, naming the cycle', () => {
    expect(() =>
      SearchSpace.fromConfig({
        hyperparameters: [
          { key: 'a', type: 'BOOL' },
          { key: 'b', type: 'BOOL' },
          { key: 'c', type: 'BOOL' },
        ],
        condition: [
          { child: 'b', parent: 'a', type: 'EQUAL', range: [true] },
          { child: 'c', parent: 'b', type: 'EQUAL', range: [true] },
          { child: 'a', parent: 'c', type: 'EQUAL', range: [true] },
        ],
      }),
    ).toThrow('search_space.condition: conditions must form a DAG, but they form a cycle: a -> b -> c -> a');
  });

  it('checks condition and forbidden values against the parent parameter', () => {
    expect(() =>
      SearchSpace.fromConfig({
        hyperparameters: [
          { key: 'opt', type: 'CATEGORY', range: ['SGD', 'Adam'] },
          { key: 'm', type: 'FLOAT', range: [0, 1] },
        ],
        condition: [{ key: 'k', child: 'm', parent: 'opt', type: 'EQUAL', range: ['Sgd'] }],
        forbidden: [{ opt: 'Adamw' }],
      }),
    ).toThrow(/condition\[0\] \(key 'k'\)\.range\[0\]: a value of parent 'opt' must be one of \["SGD","Adam"\][\s\S]*forbidden\[0\]\.opt: must be one of/);
  });
});

describe('sampling and the unit cube', () => {
  it('samples valid points that respect conditions and forbidden combinations, reproducibly', () => {
    const rng = Prng.seeded(7);
    const points = Array.from({ length: 400 }, () => space.sample(rng));
    for (const point of points) expect(space.problems(point)).toEqual([]);
    const again = Prng.seeded(7);
    expect(space.sample(again)).toEqual(points[0]);
    const types = new Set(points.map((p) => p['trainer.optimizer.type']));
    expect(types).toEqual(new Set(['SGD', 'Adam', 'RMSprop']));
    expect(points.filter((p) => p['trainer.optimizer.type'] === 'SGD').every((p) => 'trainer.optimizer.params.momentum' in p)).toBe(true);
    expect(points.filter((p) => p['trainer.optimizer.type'] === 'Adam').every((p) => !('network.backbone.half_mask' in p))).toBe(true);
    expect(points.filter((p) => (p['trainer.optimizer.params.lr'] as number) < 0.001).every((p) => !('trainer.warmup' in p))).toBe(true);
    const lrs = points.map((p) => p['trainer.optimizer.params.lr'] as number);
    expect(lrs.filter((lr) => lr < 1e-3).length / lrs.length).toBeGreaterThan(0.4);
  });

  it('maps points to unit coordinates and back', () => {
    const rng = Prng.seeded(3);
    for (let i = 0; i < 200; i++) {
      const point = space.sample(rng);
      const back = space.fromUnit(space.toUnit(point));
      for (const key of Object.keys(point)) {
        if (typeof point[key] === 'number' && !Number.isInteger(point[key])) expect(back[key]).toBeCloseTo(point[key] as number, 9);
        else expect(back[key]).toEqual(point[key]);
      }
    }
  });

  it('covers integer ranges evenly, including both ends', () => {
    const p = new NumericParameter('n', 'INT_EXP', [1, 8], undefined);
    const seen = new Set<number>();
    for (let u = 0; u < 1; u += 0.001) seen.add(p.fromUnit([u]));
    expect([...seen].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(p.fromUnit([0.999999])).toBe(8);
  });

  it('gives the code types their shapes', () => {
    const half = new CodeParameter('h', 'HALF', [6], undefined);
    expect(half.fromUnit([0.1, 0, 0, 0, 0, 0, 0])).toEqual([1, 1, 1, 1, 1, 1]);
    expect(half.fromUnit([0.9, 0.9, 0.1, 0.8, 0.2, 0.7, 0.3])).toEqual([1, 0, 1, 0, 1, 0]);
    expect(half.problem([1, 1, 0, 0, 0, 0])).toContain('all ones or exactly 3 ones (HALF)');
    const fixed = new CodeParameter('f', 'BINARY_CODE', [5, 2], undefined);
    expect(fixed.fromUnit([0.1, 0.9, 0.2, 0.8, 0.3])).toEqual([0, 1, 0, 1, 0]);
    expect(fixed.gridSize()).toBe(10);
  });
});

describe('validate', () => {
  const good: Point = {
    'trainer.optimizer.type': 'SGD',
    'trainer.optimizer.params.lr': 0.01,
    'trainer.optimizer.params.momentum': 0.9,
    'dataset.batch_size': 64,
    'trainer.epochs': 3,
    'network.backbone.channel_mask': [1, 1, 0, 1, 1, 1],
    'network.backbone.fixed_mask': [1, 1, 0, 0, 0],
    'network.backbone.half_mask': [1, 1, 1, 1],
    'network.backbone.edge': [2, 4],
    'trainer.warmup': 1,
  };

  it('accepts a valid point', () => {
    expect(space.problems(good)).toEqual([]);
  });

  it('names the key and the allowed range of each problem', () => {
    const bad = { ...good, 'trainer.optimizer.params.lr': 3, 'trainer.epochs': 2.5, 'trainer.optimizer.params.centered': true, extra: 1 };
    delete (bad as Record<string, unknown>)['network.backbone.edge'];
    expect(() => space.validate(bad)).toThrow(InvalidArgumentError);
    expect(space.problems(bad)).toEqual([
      "point.extra: no such parameter",
      'point.trainer.optimizer.params.lr: must be a number in [0.00001, 0.1] (FLOAT_EXP), got 3',
      "point.trainer.optimizer.params.centered: inactive, condition 'centered_for_rmsprop' requires trainer.optimizer.type in [\"RMSprop\"]",
      'point.trainer.epochs: must be an integer in [1, 5] (INT), got 2.5',
      'point.network.backbone.edge: missing; must be one of [[1,2],[1,3],[1,4],[2,3],[2,4],[3,4]] (ADJACENCY_LIST)',
      "point.trainer.warmup: inactive, condition 'warmup_for_high_lr' requires trainer.optimizer.params.lr in [0.001,0.1]",
    ].map((line) => line.replace('0.00001', String(1e-5))));
  });

  it('refuses forbidden combinations', () => {
    expect(space.problems({ ...good, 'trainer.epochs': 1, 'network.backbone.edge': [1, 2] })).toEqual([
      'point: matches forbidden combination {"trainer.epochs":1,"network.backbone.edge":[1,2]}',
    ]);
  });
});

describe('grid', () => {
  it('enumerates the allowed points, children only where active', () => {
    const small = SearchSpace.fromConfig(SMALL_DISCRETE_SPACE);
    const points = [...small.grid()];
    expect(points).toHaveLength(11);
    expect(points[0]).toEqual({ a: 'x', b: 1 });
    expect(points.some((p) => p['a'] === 'z' && p['b'] === 4)).toBe(false);

    const conditional = SearchSpace.fromConfig({
      hyperparameters: [
        { key: 'opt', type: 'CATEGORY', range: ['SGD', 'Adam'] },
        { key: 'momentum', type: 'FLOAT', range: [0, 0.9], slice: 3 },
        { key: 'lr', type: 'FLOAT_EXP', range: [0.001, 0.1], slice: 3 },
      ],
      condition: [{ child: 'momentum', parent: 'opt', type: 'EQUAL', range: ['SGD'] }],
    });
    const grid = [...conditional.grid()];
    expect(grid).toHaveLength(3 * 3 + 3);
    expect(grid.map((p) => p['lr'])).toContain(0.01);
    expect(grid.filter((p) => p['opt'] === 'Adam').every((p) => !('momentum' in p))).toBe(true);
  });

  it('refuses grids too large to enumerate', () => {
    const big = SearchSpace.fromConfig({ hyperparameters: [{ key: 'mask', type: 'BINARY_CODE', range: [40] }] });
    expect(() => big.gridBound()).toThrow("the grid has more than 1000000 points (at parameter 'mask')");
    expect(big.grid().next().value).toEqual({ mask: new Array(40).fill(0) });
  });
});

describe('materialize and network spaces', () => {
  it('puts network.* keys into the desc and the rest into nested hyperparameters', () => {
    const network = SearchSpace.fromConfig(NETWORK_SPACE);
    expect(network.parameters.map((p) => p.key)).toEqual([
      'trainer.optimizer.params.lr',
      'network.backbone.depth',
      'network.backbone.base_channel',
      'network.backbone.block.expansion',
    ]);
    const point = network.sample(Prng.seeded(1));
    const { desc, hyperparameters } = network.materialize(point);
    expect(desc).toEqual({
      modules: ['backbone', 'head'],
      backbone: { type: 'ResNet', depth: point['network.backbone.depth'], base_channel: point['network.backbone.base_channel'], block: { type: 'BasicBlock', expansion: point['network.backbone.block.expansion'] } },
      head: { type: 'LinearClassificationHead', num_classes: 10 },
    });
    expect(hyperparameters).toEqual({ trainer: { optimizer: { params: { lr: point['trainer.optimizer.params.lr'] } } } });
    expect(SearchSpace.fromConfig(network.toJSON()).parameters.length).toBe(4);
  });

  it('hashes descs stably whatever the key order', () => {
    expect(stableHash({ a: 1, b: { c: [1, 2], d: 'x' } })).toBe(stableHash({ b: { d: 'x', c: [1, 2] }, a: 1 }));
    expect(stableHash({ a: 1 })).not.toBe(stableHash({ a: 2 }));
    expect(canonicalJson({ b: 1, a: [true, null] })).toBe('{"a":[true,null],"b":1}');
  });

  it('requires a dict for each listed module', () => {
    expect(() => SearchSpace.fromConfig({ modules: ['backbone'], backbone: 3 })).toThrow("search_space.backbone: module 'backbone' is listed in modules but has no dict");
    expect(() => SearchSpace.fromConfig({ modules: ['backbone'], backbone: { depth: [] } })).toThrow('search_space.backbone.depth: a list of choices must not be empty');
  });
});
