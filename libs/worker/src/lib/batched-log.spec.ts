import { PassThrough } from 'node:stream';
import { batchedLog } from './batched-log';

describe('batchedLog', () => {
  it('writes the lines of an interval in one write, in order', async () => {
    const stream = new PassThrough();
    const writes: string[] = [];
    stream.on('data', (chunk: Buffer) => writes.push(chunk.toString()));
    const log = batchedLog(stream, 20);
    log('one');
    log('two');
    expect(writes).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 60));
    log('three');
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(writes).toEqual(['one\ntwo\n', 'three\n']);
  });
});
