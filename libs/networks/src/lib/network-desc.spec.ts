import * as tf from '@tensorflow/tfjs';
import { NETWORK_ROLES, registry } from '@vela/registry';
import { buildModel, NetworkDesc } from './network-desc';
import type { ArgReader } from './arg-reader';
import type { LayerFactory } from './layers';
import { modelStatistics } from './model-statistics';
import type { NetworkModule } from './network.types';
import { useCpuBackend } from '../testing';

beforeAll(useCpuBackend);

const mlp = { modules: ['backbone'], backbone: { type: 'MLP', hidden_units: [8], num_class: 3 } };

describe('NetworkDesc', () => {
  it('registers a network for every role', () => {
    new NetworkDesc(mlp);
    for (const role of NETWORK_ROLES) expect(registry.list('network', { role }).length).toBeGreaterThan(0);
  });

  it('builds a model that runs, and the same weights from the same seed', () => {
    const a = buildModel(mlp, { inputShape: [5], seed: 3 });
    const b = new NetworkDesc(mlp).toModel({ inputShape: [5], seed: 3 });
    const out = a.predict(tf.ones([2, 5])) as tf.Tensor;
    expect(out.shape).toEqual([2, 3]);
    a.getWeights().forEach((w, i) => expect(w.arraySync()).toEqual(b.getWeights()[i].arraySync()));
    out.dispose();
    a.dispose();
    b.dispose();
  });

  it('reports the module types and keeps the json', () => {
    const desc = new NetworkDesc({ ...mlp, trainer: { epochs: 1 } });
    expect(desc.types).toEqual(['MLP']);
    expect(desc.json['trainer']).toEqual({ epochs: 1 });
  });

  it.each([
    [{}, "desc.modules: must list the module sections (e.g. ['backbone', 'head']) or give a network type"],
    [{ modules: 'backbone' }, "desc.modules: must be a non-empty list of section names, got 'backbone'"],
    [{ modules: ['backbone', 'head'], backbone: mlp.backbone }, 'head: is listed in modules but has no section'],
    [{ modules: ['backbone'], backbone: 'MLP' }, "backbone: must be an object, got 'MLP'"],
    [{ modules: ['backbone'], backbone: { num_class: 3 } }, 'backbone.type: is required'],
    [{ modules: ['backbone'], backbone: { type: 'ResNt' } }, "backbone.type: unknown network 'ResNt'; did you mean 'ResNet'?"],
    [{ modules: ['backbone'], backbone: { type: 'MLP', num_class: 0 } }, 'backbone.num_class: must be >= 1, got 0'],
    [{ modules: ['head'], head: { type: 'MLP', hidden_units: [8, 'x'] } }, "head.hidden_units[1]: must be a finite number, got 'x'"],
    [{ modules: ['head'], head: { type: 'MLP', num_class: 3, num_classes: 3 } }, 'head.num_classes: give one of num_class, num_classes, not several'],
  ])('rejects %j', (desc, message) => {
    expect(() => new NetworkDesc(desc)).toThrow(message);
  });

  it('builds a family registered by a user: one class and one registration', () => {
    class TwoLayerNetwork implements NetworkModule {
      private readonly width: number;
      constructor(args: ArgReader) {
        this.width = args.int('width', 4, { min: 1 });
      }
      apply(input: tf.SymbolicTensor, layers: LayerFactory): tf.SymbolicTensor {
        return layers.dense(layers.relu(layers.dense(layers.flatten(input), this.width)), 2);
      }
    }
    registry.register('network', 'TwoLayer', TwoLayerNetwork, { role: 'customs' });
    try {
      const model = buildModel({ modules: ['custom'], custom: { type: 'TwoLayer', width: 3 } }, { inputShape: [5] });
      expect(modelStatistics(model).paramCount).toBe(5 * 3 + 3 + 3 * 2 + 2);
      model.dispose();
      expect(() => new NetworkDesc({ type: 'TwoLayer', widht: 3 })).toThrow("widht: unknown argument; did you mean 'width'?");
    } finally {
      registry.unregister('network', 'TwoLayer');
    }
  });

  it("takes the input shape from the options or the desc's input_shape", () => {
    const model = new NetworkDesc({ ...mlp, input_shape: [7] }).toModel();
    expect(model.inputs[0].shape).toEqual([null, 7]);
    model.dispose();
    expect(() => buildModel(mlp)).toThrow('inputShape: is needed: pass inputShape or give the desc an input_shape');
    expect(() => buildModel({ ...mlp, input_shape: '28x28' })).toThrow("desc.input_shape: must be a list of positive integers, got '28x28'");
  });

  it('rejects a bad input shape', () => {
    expect(() => buildModel(mlp, { inputShape: [0] })).toThrow('inputShape: must be a list of positive integers, got [0]');
  });
});
