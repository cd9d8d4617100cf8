import { SearchSpace } from '@vela/search-space';
import { NETWORK_SPACE } from '@vela/search-space/testing';
import { BackboneNasCodec } from './backbone-nas.codec';
import { PruneCodec } from './prune.codec';
import { SpaceCodec } from './space.codec';

describe('SpaceCodec', () => {
  it('encodes categorical coordinates as indices and round-trips points', () => {
    const space = SearchSpace.fromConfig(NETWORK_SPACE);
    const codec = new SpaceCodec(space);
    expect(codec.length).toBe(4);
    expect([0, 1, 2, 3].map((g) => codec.cardinality(g))).toEqual([0, 3, 3, 2]);
    const point = { 'trainer.optimizer.params.lr': 0.01, 'network.backbone.depth': 34, 'network.backbone.base_channel': 64, 'network.backbone.block.expansion': 4 };
    const code = codec.encode(point);
    expect(code.slice(1)).toEqual([1, 2, 1]);
    const decoded = codec.decode(code);
    expect(decoded.point['network.backbone.depth']).toBe(34);
    expect(decoded.point['trainer.optimizer.params.lr']).toBeCloseTo(0.01, 12);
    expect(decoded.desc?.['backbone']).toMatchObject({ type: 'ResNet', depth: 34, base_channel: 64 });
  });

  it('BackboneNasCodec keeps only the architecture choices as genes', () => {
    const codec = new BackboneNasCodec({ space: SearchSpace.fromConfig(NETWORK_SPACE), policy: {}, path: 'search_algorithm' });
    expect(codec.length).toBe(3);
    expect(codec.decode([2, 0, 1]).point).toMatchObject({ 'network.backbone.depth': 50, 'network.backbone.base_channel': 16, 'network.backbone.block.expansion': 4 });
  });
});

describe('PruneCodec', () => {
  const space = SearchSpace.fromConfig({ modules: ['backbone'], backbone: { type: 'PruneResNet', base_chn: [3, 2], base_chn_node: [2], num_classes: 10 } });

  it('decodes channel masks per layer, keeping at least one channel each', () => {
    const codec = new PruneCodec({ space, policy: { length: 7 }, path: 'search_algorithm' });
    const { point, desc } = codec.decode([0, 0, 0, 1, 1, 0, 1]);
    expect(point).toEqual({ 'network.backbone.encoding': [1, 0, 0, 1, 1, 0, 1] });
    expect(desc?.['backbone']).toEqual({
      type: 'PruneResNet',
      base_chn: [3, 2],
      base_chn_node: [2],
      num_classes: 10,
      chn: [1, 2],
      chn_node: [1],
      chn_mask: [[1, 0, 0], [1, 1]],
      chn_node_mask: [[0, 1]],
      encoding: [1, 0, 0, 1, 1, 0, 1],
    });
    expect(codec.encode(point)).toEqual([1, 0, 0, 1, 1, 0, 1]);
    expect(codec.space.problems(point)).toEqual([]);
  });

  it('checks policy.length against the backbone channels', () => {
    expect(() => new PruneCodec({ space, policy: { length: 464 }, path: 'search_algorithm' })).toThrow(
      'search_algorithm.policy.length: must equal the channels of base_chn and base_chn_node (7), got 464',
    );
    expect(() => new PruneCodec({ space: SearchSpace.fromConfig(NETWORK_SPACE), policy: {}, path: 'search_algorithm' })).toThrow('search_space.backbone.base_chn: must be a list of positive channel counts');
  });
});
