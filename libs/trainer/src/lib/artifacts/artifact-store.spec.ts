import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { type ArtifactStore, FolderArtifactStore, InMemoryArtifactStore, decodeCheckpoint, encodeCheckpoint } from '../../index';
import { useCpuBackend } from '../../testing';

beforeAll(useCpuBackend);

const folder = mkdtempSync(join(tmpdir(), 'vela-artifacts-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe.each([
  ['InMemoryArtifactStore', () => new InMemoryArtifactStore()],
  ['FolderArtifactStore', () => new FolderArtifactStore(join(folder, String(Math.random()).slice(2)))],
] as [string, () => ArtifactStore][])('%s', (_name, make) => {
  it('puts and gets bytes by key, keeping its own copy', async () => {
    const store = make();
    const bytes = Uint8Array.from([1, 2, 3]);
    await store.put('trials/1/checkpoint.vela', bytes);
    bytes[0] = 9;
    expect(await store.get('trials/1/checkpoint.vela')).toEqual(Uint8Array.from([1, 2, 3]));
    await store.put('trials/1/checkpoint.vela', Uint8Array.from([4]));
    expect(await store.get('trials/1/checkpoint.vela')).toEqual(Uint8Array.from([4]));
    expect(await store.get('trials/2/checkpoint.vela')).toBeUndefined();
  });

  it.each(['', '/abs', 'a/../b', 'a//b', 'sp ace'])('rejects the key %j', async (key) => {
    await expect(make().put(key, new Uint8Array())).rejects.toThrow('is not a relative path of [A-Za-z0-9._-] segments');
  });
});

describe('FolderArtifactStore', () => {
  it('leaves no temporary files behind', async () => {
    const root = join(folder, 'clean');
    const store = new FolderArtifactStore(root);
    await store.put('a/b.bin', Uint8Array.from([1]));
    expect(readdirSync(join(root, 'a'))).toEqual(['b.bin']);
  });
});

describe('checkpoint format', () => {
  it('round-trips meta and tensors', async () => {
    const tensors = new Map<string, tf.Tensor>([
      ['w', tf.tensor2d([[1, 2, 3]])],
      ['b', tf.tensor1d([0.5])],
    ]);
    const bytes = await encodeCheckpoint({ epoch: 3, note: 'é' }, tensors);
    const decoded = decodeCheckpoint(bytes.slice(), 'ckpt');
    expect(decoded.meta).toEqual({ epoch: 3, note: 'é' });
    expect(decoded.tensors.get('w')?.shape).toEqual([1, 3]);
    expect([...(decoded.tensors.get('w') as tf.Tensor).dataSync()]).toEqual([1, 2, 3]);
    expect([...(decoded.tensors.get('b') as tf.Tensor).dataSync()]).toEqual([0.5]);
    tf.dispose([...tensors.values(), ...decoded.tensors.values()]);
  });

  it('rejects bytes that are not a checkpoint, or are cut short', async () => {
    expect(() => decodeCheckpoint(Uint8Array.from([1, 2, 3]), 'x.vela')).toThrow('x.vela: is not a Vela checkpoint');
    const t = tf.tensor1d([1, 2, 3, 4]);
    const bytes = await encodeCheckpoint({}, new Map([['t', t]]));
    t.dispose();
    expect(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 4), 'x.vela')).toThrow('x.vela: is truncated');
  });
});
