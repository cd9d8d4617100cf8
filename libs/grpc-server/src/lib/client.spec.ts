import { Server, ServerCredentials, status, type ServiceDefinition, type ServiceError } from '@grpc/grpc-js';
import { createServer, type AddressInfo } from 'node:net';
import { createAsyncClient } from './client';

// A JSON-serialised one-method service: the channel's behaviour does not depend on the contract.
const json = { serialize: (value: unknown) => Buffer.from(JSON.stringify(value)), deserialize: (buffer: Buffer) => JSON.parse(buffer.toString()) };
const PingDefinition: ServiceDefinition = {
  ping: { path: '/test.PingService/Ping', requestStream: false, responseStream: false, requestSerialize: json.serialize, requestDeserialize: json.deserialize, responseSerialize: json.serialize, responseDeserialize: json.deserialize },
};
interface PingService {
  ping: (call: unknown, callback: unknown) => void;
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('createAsyncClient', () => {
  it('finds a server that comes up after a long outage within seconds, not after a grown backoff', async () => {
    const address = `127.0.0.1:${await freePort()}`;
    const client = createAsyncClient<PingService>(PingDefinition, 'test.PingService', address);
    const server = new Server();
    try {
      // The peer is away for ten seconds while the client keeps calling, as a worker does
      // while its master restarts; grpc-js's default backoff would next try about six
      // seconds after it is back.
      const outageEnds = Date.now() + 10_000;
      let lastError: ServiceError | undefined;
      while (Date.now() < outageEnds) {
        lastError = await client.ping({}, { timeoutMs: 500 }).then(
          () => undefined,
          (error: ServiceError) => error,
        );
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(lastError?.code).toBe(status.UNAVAILABLE);
      await new Promise<void>((resolve, reject) => server.bindAsync(address, ServerCredentials.createInsecure(), (error) => (error ? reject(error) : resolve())));
      const upAt = Date.now();
      // The server has no services: a call that reaches it is answered UNIMPLEMENTED.
      for (;;) {
        const error: ServiceError | undefined = await client.ping({}, { timeoutMs: 500 }).then(
          () => undefined,
          (failure: ServiceError) => failure,
        );
        if (error?.code === status.UNIMPLEMENTED) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(Date.now() - upAt).toBeLessThan(3500);
    } finally {
      client.close();
      server.forceShutdown();
    }
  }, 30_000);
});
