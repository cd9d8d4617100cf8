import { NETWORK_PREFIX } from '@vela/search-space';
import { Codec, CodecContext } from '../core/types';
import { SpaceCodec } from './space.codec';

/**
 * Vega's BackboneNasCodec: genes for the architecture only — the `network.*` parameters,
 * i.e. the choices of the space's modules (depth, channels, doubling and downsampling
 * positions, ...). Training hyperparameters stay at their midpoint.
 */
export class BackboneNasCodec extends SpaceCodec {
  override readonly name = 'BackboneNasCodec';

  constructor(context: CodecContext) {
    super(context.space, (key) => key.startsWith(NETWORK_PREFIX));
  }
}

export function createBackboneNasCodec(context: CodecContext): Codec {
  return new BackboneNasCodec(context);
}
