import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '@vela/errors';

const MAGIC = 'VELA';
const VERSION = 1;

/** A named float32 array inside a checkpoint. */
interface TensorEntry {
  readonly name: string;
  readonly shape: readonly number[];
  /** Offset in float32 elements from the start of the data section. */
  readonly offset: number;
}

/** What a checkpoint holds besides tensors: JSON, owned by whoever wrote it. */
export type CheckpointMeta = Readonly<Record<string, unknown>>;

export interface Checkpoint {
  readonly meta: CheckpointMeta;
  /** Named tensors; the reader owns (and disposes) those `decodeCheckpoint` returns. */
  readonly tensors: ReadonlyMap<string, tf.Tensor>;
}

/**
 * Encodes a checkpoint: `VELA`, a little-endian u32 version, a u32 manifest length, the
 * manifest JSON (`{meta, tensors: [{name, shape, offset}]}`), zero padding to 4 bytes, then
 * every tensor's float32 values. Tensors are read, not disposed.
 */
export async function encodeCheckpoint(meta: CheckpointMeta, tensors: ReadonlyMap<string, tf.Tensor>): Promise<Uint8Array> {
  const entries: TensorEntry[] = [];
  let offset = 0;
  for (const [name, tensor] of tensors) {
    entries.push({ name, shape: tensor.shape, offset });
    offset += tensor.size;
  }
  const manifest = new TextEncoder().encode(JSON.stringify({ meta, tensors: entries }));
  const header = 12 + manifest.length;
  const dataStart = Math.ceil(header / 4) * 4;
  const bytes = new Uint8Array(dataStart + offset * 4);
  const view = new DataView(bytes.buffer);
  bytes.set(new TextEncoder().encode(MAGIC), 0);
  view.setUint32(4, VERSION, true);
  view.setUint32(8, manifest.length, true);
  bytes.set(manifest, 12);
  const data = new Float32Array(bytes.buffer, dataStart, offset);
  let i = 0;
  for (const tensor of tensors.values()) {
    data.set((await tensor.data()) as Float32Array, entries[i++].offset);
  }
  return bytes;
}

export function decodeCheckpoint(bytes: Uint8Array, name = 'checkpoint'): Checkpoint {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 4)) !== MAGIC) {
    throw new InvalidArgumentError('is not a Vela checkpoint', name);
  }
  const version = view.getUint32(4, true);
  if (version !== VERSION) throw new InvalidArgumentError(`has format version ${version}, this trainer reads ${VERSION}`, name);
  const length = view.getUint32(8, true);
  const { meta, tensors: entries } = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + length))) as { meta: CheckpointMeta; tensors: TensorEntry[] };
  const dataStart = Math.ceil((12 + length) / 4) * 4;
  // Copy into an aligned buffer: the input may sit at any byte offset.
  const data = new Float32Array(bytes.slice(dataStart).buffer);
  const tensors = new Map<string, tf.Tensor>();
  for (const entry of entries) {
    const size = entry.shape.reduce((a, b) => a * b, 1);
    if (entry.offset + size > data.length) throw new InvalidArgumentError('is truncated', name);
    tensors.set(entry.name, tf.tensor(data.subarray(entry.offset, entry.offset + size), [...entry.shape], 'float32'));
  }
  return { meta, tensors };
}
