import { Batcher } from './batcher';

describe('Batcher', () => {
  it('sends what one turn adds as one batch, and what arrives during a send as the next', async () => {
    const sent: number[][] = [];
    let release!: () => void;
    const batcher = new Batcher<number>(async (items) => {
      sent.push(items);
      if (sent.length === 1) await new Promise<void>((resolve) => (release = resolve));
    });
    const first = [batcher.add(1), batcher.add(2)];
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toEqual([[1, 2]]);
    const later = [batcher.add(3), batcher.add(4), batcher.add(5)];
    release();
    await Promise.all([...first, ...later]);
    expect(sent).toEqual([[1, 2], [3, 4, 5]]);
  });

  it('caps a batch, and a failed send still settles its items and goes on with the rest', async () => {
    const sent: number[][] = [];
    const batcher = new Batcher<number>(async (items) => {
      sent.push(items);
      if (items.includes(1)) throw new Error('boom');
    }, 2);
    await Promise.all([1, 2, 3].map((n) => batcher.add(n)));
    expect(sent).toEqual([[1, 2], [3]]);
  });
});
