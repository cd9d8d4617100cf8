import * as tf from '@tensorflow/tfjs';
import { initTestCompute } from './testing';

it('initTestCompute starts the backend asked for, without logging', async () => {
  const log = jest.spyOn(console, 'log');
  expect((await initTestCompute('cpu')).backend).toBe('cpu');
  expect(tf.getBackend()).toBe('cpu');
  expect((await initTestCompute()).backend).toBe('wasm');
  expect(log).not.toHaveBeenCalled();
  log.mockRestore();
});
