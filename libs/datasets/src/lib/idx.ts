import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { InvalidArgumentError } from '@vela/errors';

/** An IDX file (LeCun's MNIST format) of unsigned bytes: its dimensions and data. */
export interface IdxArray {
  readonly dims: readonly number[];
  readonly data: Uint8Array;
}

/** Parses IDX bytes (big-endian header: 0, 0, type 0x08 = ubyte, rank; then one u32 per dim). */
export function parseIdx(bytes: Uint8Array, name: string): IdxArray {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4 || view.getUint16(0) !== 0 || bytes[2] !== 0x08) {
    throw new InvalidArgumentError(`${name} is not an IDX file of unsigned bytes`, 'dataset.data_path');
  }
  const rank = bytes[3];
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  const offset = 4 + 4 * rank;
  const size = dims.reduce((a, b) => a * b, 1);
  if (bytes.length - offset !== size) {
    throw new InvalidArgumentError(`${name} holds ${bytes.length - offset} bytes, its header says ${size}`, 'dataset.data_path');
  }
  return { dims, data: bytes.subarray(offset) };
}

/** The path of `name` or `name.gz` in `folder`, if either exists. */
export function findIdx(folder: string, name: string): string | undefined {
  return [join(folder, name), join(folder, `${name}.gz`)].find((path) => existsSync(path));
}

export function readIdx(path: string): IdxArray {
  const raw = readFileSync(path);
  return parseIdx(path.endsWith('.gz') ? gunzipSync(raw) : raw, path);
}
