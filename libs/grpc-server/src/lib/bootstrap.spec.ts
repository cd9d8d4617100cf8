import { credentials, makeGenericClientConstructor, Metadata, status, type ServiceDefinition, type ServiceError } from '@grpc/grpc-js';
import { Injectable, Module } from '@nestjs/common';
import { InvalidArgumentError, NotFoundError } from '@vela/errors';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { loadSync } from '@grpc/proto-loader';
import { loadPackageDefinition } from '@grpc/grpc-js';
import { dirname } from 'node:path';
import type { CallContext } from './async-handlers';
import { startGrpcService, type RunningGrpcService } from './bootstrap';

// A JSON-serialised service, so the bootstrap is tested without generated contracts.
const json = { serialize: (value: unknown) => Buffer.from(JSON.stringify(value)), deserialize: (buffer: Buffer) => JSON.parse(buffer.toString()) };
const method = (name: string, requestStream: boolean, responseStream: boolean) => ({
  path: `/test.EchoService/${name}`,
  requestStream,
  responseStream,
  requestSerialize: json.serialize,
  requestDeserialize: json.deserialize,
  responseSerialize: json.serialize,
  responseDeserialize: json.deserialize,
});
const EchoDefinition: ServiceDefinition = {
  echo: method('Echo', false, false),
  count: method('Count', false, true),
  sum: method('Sum', true, false),
};

@Injectable()
class Greeter {
  greet(name: string) {
    if (!name) throw new InvalidArgumentError('must not be empty', 'name');
    if (name === 'ghost') throw new NotFoundError(`person '${name}' not found`);
    if (name === 'bug') throw new Error('boom');
    return `hello ${name}`;
  }
}

@Injectable()
class EchoController {
  constructor(private readonly greeter: Greeter) {}
  async echo(request: { name: string }) {
    return { message: this.greeter.greet(request.name) };
  }
  async *count(request: { upTo: number }, context: CallContext) {
    for (let i = 1; i <= request.upTo && !context.signal.aborted; i++) yield { value: i };
    if (request.upTo < 0) throw new InvalidArgumentError('must be >= 0', 'up_to');
  }
  async sum(requests: AsyncIterable<{ value: number }>) {
    let total = 0;
    for await (const request of requests) total += request.value;
    return { total };
  }
}

@Module({ providers: [Greeter, EchoController] })
class EchoModule {}

const EchoClient = makeGenericClientConstructor(EchoDefinition, 'EchoService');

describe('startGrpcService', () => {
  let service: RunningGrpcService;
  let client: InstanceType<typeof EchoClient>;
  const token = 'secret-token';
  const auth = new Metadata();
  auth.set('authorization', `Bearer ${token}`);

  beforeAll(async () => {
    service = await startGrpcService({
      name: 'echo',
      module: EchoModule,
      services: [{ serviceName: 'test.EchoService', definition: EchoDefinition, controller: EchoController }],
      protoSources: { files: [healthProtoPath], includeDirs: [dirname(healthProtoPath)] },
      token,
      logger: false,
    });
    client = new EchoClient(service.address, credentials.createInsecure());
  });
  afterAll(async () => {
    client.close();
    await service.stop();
  });

  const unary = (name: string, metadata = auth) =>
    new Promise<{ message: string }>((resolve, reject) =>
      (client as unknown as Record<string, (...args: unknown[]) => void>).echo({ name }, metadata, (error: ServiceError | null, value: { message: string }) => (error ? reject(error) : resolve(value))),
    );

  it('serves a unary call through Nest dependency injection', async () => {
    expect(service.port).toBeGreaterThan(0);
    await expect(unary('ada')).resolves.toEqual({ message: 'hello ada' });
  });

  it('maps domain errors to gRPC status codes with field-naming messages', async () => {
    await expect(unary('')).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: 'name: must not be empty' });
    await expect(unary('ghost')).rejects.toMatchObject({ code: status.NOT_FOUND });
    await expect(unary('bug')).rejects.toMatchObject({ code: status.INTERNAL, details: 'internal error: boom' });
  });

  it('refuses calls without the token or with a wrong one', async () => {
    await expect(unary('ada', new Metadata())).rejects.toMatchObject({ code: status.UNAUTHENTICATED, details: expect.stringContaining('missing') });
    const wrong = new Metadata();
    wrong.set('authorization', 'Bearer nope');
    await expect(unary('ada', wrong)).rejects.toMatchObject({ code: status.UNAUTHENTICATED, details: expect.stringContaining('wrong token') });
  });

  it('streams server responses and reports a stream error', async () => {
    const read = (upTo: number) =>
      new Promise<{ values: number[]; error?: ServiceError }>((resolve) => {
        const values: number[] = [];
        const stream = (client as unknown as Record<string, (...args: unknown[]) => NodeJS.EventEmitter>).count({ upTo }, auth);
        stream.on('data', (message: { value: number }) => values.push(message.value));
        stream.on('end', () => resolve({ values }));
        stream.on('error', (error: ServiceError) => resolve({ values, error }));
      });
    await expect(read(3)).resolves.toEqual({ values: [1, 2, 3] });
    const failed = await read(-1);
    expect(failed.error).toMatchObject({ code: status.INVALID_ARGUMENT, details: 'up_to: must be >= 0' });
  });

  it('accepts client streams', async () => {
    const total = await new Promise<{ total: number }>((resolve, reject) => {
      const stream = (client as unknown as Record<string, (...args: unknown[]) => NodeJS.WritableStream>).sum(auth, (error: ServiceError | null, value: { total: number }) =>
        error ? reject(error) : resolve(value),
      );
      [1, 2, 3, 4].forEach((value) => stream.write({ value } as never));
      stream.end();
    });
    expect(total).toEqual({ total: 10 });
  });

  it('serves grpc.health.v1 without a token', async () => {
    const health = loadPackageDefinition(loadSync(healthProtoPath, { enums: String })) as unknown as {
      grpc: { health: { v1: { Health: new (address: string, creds: ReturnType<typeof credentials.createInsecure>) => { check: (...args: unknown[]) => void; close(): void } } } };
    };
    const healthClient = new health.grpc.health.v1.Health(service.address, credentials.createInsecure());
    const check = (serviceName: string) =>
      new Promise((resolve, reject) => healthClient.check({ service: serviceName }, (error: Error | null, value: unknown) => (error ? reject(error) : resolve(value))));
    await expect(check('')).resolves.toEqual({ status: 'SERVING' });
    await expect(check('test.EchoService')).resolves.toEqual({ status: 'SERVING' });
    await expect(check('nope')).rejects.toMatchObject({ code: status.NOT_FOUND });
    healthClient.close();
  });

  it('serves server reflection (grpc.reflection.v1) listing the described services', async () => {
    const reflectionProto = require.resolve('@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto');
    const loaded = loadPackageDefinition(loadSync(reflectionProto)) as unknown as {
      grpc: { reflection: { v1: { ServerReflection: new (address: string, creds: ReturnType<typeof credentials.createInsecure>) => { serverReflectionInfo(): NodeJS.ReadWriteStream; close(): void } } } };
    };
    const reflection = new loaded.grpc.reflection.v1.ServerReflection(service.address, credentials.createInsecure());
    const names = await new Promise<string[]>((resolve, reject) => {
      const stream = reflection.serverReflectionInfo();
      stream.on('data', (response: { listServicesResponse?: { service: { name: string }[] } }) => {
        resolve(response.listServicesResponse?.service.map((entry) => entry.name) ?? []);
        stream.end();
      });
      stream.on('error', reject);
      stream.write({ listServices: '*' } as never);
    });
    expect(names).toContain('grpc.health.v1.Health');
    reflection.close();
  });
});
