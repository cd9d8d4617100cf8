import { Server as GrpcServer, ServerCredentials, type ServiceDefinition } from '@grpc/grpc-js';
import { getEventListeners } from 'node:events';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { createAsyncClient } from './client';

// A JSON-serialised one-method service: the channel's behaviour does not depend on the contract.
const json = { serialize: (value: unknown) => Buffer.from(JSON.stringify(value)), deserialize: (buffer: Buffer) => JSON.parse(buffer.toString()) };
const PingDefinition: ServiceDefinition = {
  ping: { path: '/test.PingService/Ping', requestStream: false, responseStream: false, requestSerialize: json.serialize, requestDeserialize: json.deserialize, responseSerialize: json.serialize, responseDeserialize: json.deserialize },
};
interface PingService {
  ping: (call: unknown, callback: unknown) => void;
}

describe('createAsyncClient', () => {
  it('tries to reach a peer that is away at least every few seconds, however long it has been away', async () => {
    // A peer that is down, as a master is while it restarts: it takes each connection and
    // drops it at once, so every attempt the channel makes is seen and fails.
    const attempts: number[] = [];
    const peer: Server = createServer((socket) => {
      attempts.push(Date.now());
      socket.destroy();
    });
    await new Promise<void>((resolve) => peer.listen(0, '127.0.0.1', resolve));
    const client = createAsyncClient<PingService>(PingDefinition, 'test.PingService', `127.0.0.1:${(peer.address() as AddressInfo).port}`);
    try {
      // A worker keeps calling while its master is away. grpc-js waits 1 s, then 1.6× longer
      // after each failed attempt (±20%): 1, 1.6, 2.6, 4.1 s, ... up to two minutes.
      const until = Date.now() + 13_000;
      while (Date.now() < until) {
        await client.ping({}, { timeoutMs: 500 }).catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const gaps = attempts.slice(1).map((at, index) => at - attempts[index]);
      expect(attempts.length).toBeGreaterThanOrEqual(5);
      // Capped at 2 s (±20%): the peer is found again within about 2 s of coming back.
      expect(Math.max(...gaps)).toBeLessThan(3000);
    } finally {
      client.close();
      await new Promise((resolve) => peer.close(resolve));
    }
  }, 30_000);

  it('lets go of the abort signal when a call ends, so a long-lived signal does not collect a listener per call', async () => {
    const server = new GrpcServer();
    server.addService(PingDefinition, { ping: (_call: unknown, callback: (error: null, value: object) => void) => callback(null, {}) });
    const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));
    const client = createAsyncClient<PingService>(PingDefinition, 'test.PingService', `127.0.0.1:${port}`);
    const closing = new AbortController();
    try {
      for (let call = 0; call < 20; call++) await client.ping({}, { signal: closing.signal });
      expect(getEventListeners(closing.signal, 'abort')).toHaveLength(0);
      // A call in flight still listens, and is cancelled by the abort.
      const pending = client.ping({}, { signal: closing.signal, timeoutMs: 5000 });
      expect(getEventListeners(closing.signal, 'abort')).toHaveLength(1);
      closing.abort();
      await expect(pending).rejects.toMatchObject({ code: 1 /* CANCELLED */ });
    } finally {
      client.close();
      server.forceShutdown();
    }
  });
});
