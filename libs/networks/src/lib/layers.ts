import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '@vela/errors';
import { TorchBatchNorm } from './batch-norm.layer';

type Padding = 'same' | 'valid';

export interface ConvOptions {
  readonly filters: number;
  readonly kernelSize: number;
  readonly strides?: number;
  readonly padding?: Padding;
  readonly dilationRate?: number;
  /** Vega's convolutions in blocks carry no bias (a batch norm follows). */
  readonly useBias?: boolean;
}

/**
 * Creates the layers every family is built from, with PyTorch's conventions (its BatchNorm,
 * see TorchBatchNorm; Conv2d's and Linear's default initialisation; symmetric padding) and,
 * when a seed is given, seeded initializers so that one desc and one seed give one model.
 *
 * Images are NHWC (tfjs's layout). A strided `same` convolution pads `dilation * (kernel - 1) / 2`
 * on every side, as PyTorch's `padding=kernel // 2`: TensorFlow's `same` would put the odd
 * padding row at the bottom/right only, which centres a stride-2 3x3 convolution one pixel
 * off the stride-2 1x1 shortcut beside it.
 */
export class LayerFactory {
  private counter = 0;

  constructor(private readonly seed?: number) {}

  conv(input: tf.SymbolicTensor, options: ConvOptions): tf.SymbolicTensor {
    const strides = options.strides ?? 1;
    const dilationRate = options.dilationRate ?? 1;
    const useBias = options.useBias ?? false;
    const fanIn = channelsOf(input) * options.kernelSize ** 2;
    const [padded, padding] = this.symmetricPadding(input, options.kernelSize, strides, dilationRate, options.padding ?? 'same');
    return this.applied(
      tf.layers.conv2d({
        filters: options.filters,
        kernelSize: options.kernelSize,
        strides,
        dilationRate,
        padding,
        useBias,
        kernelInitializer: this.torchUniform(fanIn),
        ...(useBias ? { biasInitializer: this.torchUniform(fanIn) } : {}),
      }),
      padded,
    );
  }

  /**
   * A depthwise convolution. tfjs refuses a stride and a dilation above 1 together, so a
   * strided dilated one runs at stride 1 and is then subsampled (the same output as
   * PyTorch's, at the cost of computing the skipped positions).
   */
  depthwise(input: tf.SymbolicTensor, options: Omit<ConvOptions, 'filters'>): tf.SymbolicTensor {
    const strides = options.strides ?? 1;
    const dilationRate = options.dilationRate ?? 1;
    const both = strides > 1 && dilationRate > 1;
    const useBias = options.useBias ?? false;
    // One input channel per group: PyTorch's fan-in is the kernel's area.
    const fanIn = options.kernelSize ** 2;
    const [padded, padding] = this.symmetricPadding(input, options.kernelSize, both ? 1 : strides, dilationRate, options.padding ?? 'same');
    const output = this.applied(
      tf.layers.depthwiseConv2d({
        kernelSize: options.kernelSize,
        strides: both ? 1 : strides,
        dilationRate,
        padding,
        useBias,
        depthwiseInitializer: this.torchUniform(fanIn),
        ...(useBias ? { biasInitializer: this.torchUniform(fanIn) } : {}),
      }),
      padded,
    );
    return both ? this.maxPool(output, 1, strides, 'valid') : output;
  }

  /** PyTorch's BatchNorm2d over channels; `affine: false` drops gamma and beta (DARTS' pooling BN). */
  batchNorm(input: tf.SymbolicTensor, affine = true): tf.SymbolicTensor {
    return this.applied(new TorchBatchNorm({ momentum: 0.1, epsilon: 1e-5, affine }), input);
  }

  relu(input: tf.SymbolicTensor): tf.SymbolicTensor {
    return this.applied(tf.layers.reLU(), input);
  }

  /** conv → batch norm → ReLU (ReLU optional). */
  convBn(input: tf.SymbolicTensor, options: ConvOptions, relu = true): tf.SymbolicTensor {
    const normed = this.batchNorm(this.conv(input, options));
    return relu ? this.relu(normed) : normed;
  }

  dense(input: tf.SymbolicTensor, units: number, useBias = true): tf.SymbolicTensor {
    const fanIn = channelsOf(input);
    return this.applied(
      tf.layers.dense({
        units,
        useBias,
        kernelInitializer: this.torchUniform(fanIn),
        ...(useBias ? { biasInitializer: this.torchUniform(fanIn) } : {}),
      }),
      input,
    );
  }

  add(inputs: tf.SymbolicTensor[]): tf.SymbolicTensor {
    return inputs.length === 1 ? inputs[0] : (tf.layers.add().apply(inputs) as tf.SymbolicTensor);
  }

  concat(inputs: tf.SymbolicTensor[]): tf.SymbolicTensor {
    return inputs.length === 1 ? inputs[0] : (tf.layers.concatenate({ axis: -1 }).apply(inputs) as tf.SymbolicTensor);
  }

  maxPool(input: tf.SymbolicTensor, poolSize: number, strides: number, padding: Padding = 'valid'): tf.SymbolicTensor {
    return this.applied(tf.layers.maxPooling2d({ poolSize, strides, padding }), input);
  }

  /** Average pooling; with `same` padding the border windows average only real pixels (count_include_pad=False). */
  avgPool(input: tf.SymbolicTensor, poolSize: number, strides: number, padding: Padding = 'valid'): tf.SymbolicTensor {
    return this.applied(tf.layers.averagePooling2d({ poolSize, strides, padding }), input);
  }

  globalAvgPool(input: tf.SymbolicTensor): tf.SymbolicTensor {
    return this.applied(tf.layers.globalAveragePooling2d({}), input);
  }

  flatten(input: tf.SymbolicTensor): tf.SymbolicTensor {
    return input.shape.length <= 2 ? input : this.applied(tf.layers.flatten(), input);
  }

  /** Drops `rows` from the top and `cols` from the left (FactorizedReduce's shifted path). */
  cropTopLeft(input: tf.SymbolicTensor, rows: number, cols: number): tf.SymbolicTensor {
    return this.applied(tf.layers.cropping2D({ cropping: [[rows, 0], [cols, 0]] }), input);
  }

  /** Dropout, unseeded: a seeded tfjs dropout would draw the same mask at every step. */
  dropout(input: tf.SymbolicTensor, rate: number): tf.SymbolicTensor {
    return rate > 0 ? this.applied(tf.layers.dropout({ rate }), input) : input;
  }

  /**
   * The input zero-padded by `dilation * (kernel - 1) / 2` on every side and `valid`, for a
   * strided `same` convolution with an odd span (the output size stays `ceil(size / stride)`);
   * otherwise the input and padding unchanged (stride 1 `same` is already symmetric).
   */
  private symmetricPadding(input: tf.SymbolicTensor, kernelSize: number, strides: number, dilationRate: number, padding: Padding): [tf.SymbolicTensor, Padding] {
    const span = dilationRate * (kernelSize - 1);
    if (padding !== 'same' || strides === 1 || span % 2 !== 0) return [input, padding];
    const side = span / 2;
    return [side ? this.applied(tf.layers.zeroPadding2d({ padding: [[side, side], [side, side]] }), input) : input, 'valid'];
  }

  /** PyTorch's default for Conv2d's and Linear's weights and biases (kaiming_uniform with a = sqrt(5)): U(±1/sqrt(fan_in)). */
  private torchUniform(fanIn: number): ReturnType<typeof tf.initializers.randomUniform> {
    const bound = 1 / Math.sqrt(fanIn);
    return tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed: this.nextSeed() });
  }

  private applied(layer: tf.layers.Layer, input: tf.SymbolicTensor): tf.SymbolicTensor {
    return layer.apply(input) as tf.SymbolicTensor;
  }

  private nextSeed(): number | undefined {
    return this.seed === undefined ? undefined : this.seed * 7919 + this.counter++;
  }
}

/** Channels (last axis) of an NHWC or NC symbolic tensor. */
export function channelsOf(input: tf.SymbolicTensor): number {
  return input.shape[input.shape.length - 1] as number;
}

/** Height and width of an NHWC symbolic tensor; `field` names the module that needs an image. */
export function spatialOf(input: tf.SymbolicTensor, field: string): [number, number] {
  const [, h, w] = input.shape;
  if (input.shape.length !== 4 || h === null || w === null) {
    throw new InvalidArgumentError(`needs image input [N, H, W, C], got [${input.shape.map((d) => d ?? 'N').join(', ')}]`, field);
  }
  return [h, w];
}
