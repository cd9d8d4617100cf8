import 'reflect-metadata';
import { Server, ServerCredentials, type ServiceDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { Logger, type DynamicModule, type INestApplicationContext, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HealthImplementation } from 'grpc-health-check';
import { toGrpcHandlers } from './async-handlers';
import { bearerTokenGuard } from './auth';
import { CHANNEL_OPTIONS } from './client';

/** One gRPC service a process serves: its generated definition and the Nest provider implementing it. */
export interface GrpcServiceBinding {
  /** Fully qualified proto name, e.g. `vela.v1.ReportService` (the health-check key). */
  readonly serviceName: string;
  /** The ts-proto grpc-js definition, e.g. `ReportServiceService`. */
  readonly definition: ServiceDefinition;
  /** The Nest provider whose async methods implement it (see `AsyncService`). */
  readonly controller: Type<object>;
}

/** The .proto files reflection describes. */
export interface ProtoSources {
  readonly files: readonly string[];
  readonly includeDirs: readonly string[];
}

export interface GrpcServiceOptions {
  /** A short name for logs, e.g. `report`. */
  readonly name: string;
  /** The service's Nest module (it lives in the service's lib). */
  readonly module: Type<unknown> | DynamicModule;
  readonly services: readonly GrpcServiceBinding[];
  readonly protoSources: ProtoSources;
  /** Defaults to 127.0.0.1; `0.0.0.0` to serve other hosts. */
  readonly host?: string;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** When set, every call must carry `authorization: Bearer <token>`. */
  readonly token?: string;
  readonly logger?: boolean;
}

export interface RunningGrpcService {
  readonly app: INestApplicationContext;
  readonly port: number;
  readonly address: string;
  /** Marks the services NOT_SERVING, drains calls for up to `graceMs`, then closes the app. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * The one bootstrap every Vela service uses: a Nest application context for dependency
 * injection and lifecycle, a grpc-js server with the service's controllers, gRPC health
 * checking (`grpc.health.v1`) and server reflection. `apps/<svc>/main.ts` and `vela serve
 * <svc>` both call it, so they boot the same thing.
 */
export async function startGrpcService(options: GrpcServiceOptions): Promise<RunningGrpcService> {
  const logger = new Logger(options.name);
  const app = await NestFactory.createApplicationContext(options.module, { logger: options.logger === false ? false : ['log', 'warn', 'error'] });
  const server = new Server(CHANNEL_OPTIONS);
  const guard = options.token ? bearerTokenGuard(options.token) : undefined;
  const health = new HealthImplementation({ '': 'NOT_SERVING' });
  for (const binding of options.services) {
    const implementation = app.get(binding.controller);
    server.addService(
      binding.definition,
      toGrpcHandlers(binding.definition, implementation, guard, (method, error) => logger.error(`${method} failed`, error instanceof Error ? error.stack : String(error))),
    );
    health.setStatus(binding.serviceName, 'NOT_SERVING');
  }
  health.addToServer(server);
  new ReflectionService(loadSync([...options.protoSources.files], { includeDirs: [...options.protoSources.includeDirs] })).addToServer(server);

  const host = options.host ?? '127.0.0.1';
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host}:${options.port ?? 0}`, ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  for (const name of ['', ...options.services.map((binding) => binding.serviceName)]) health.setStatus(name, 'SERVING');
  const address = `${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  logger.log(`serving ${options.services.map((binding) => binding.serviceName).join(', ')} on ${host}:${port}`);

  let stopping: Promise<void> | undefined;
  const stop = (graceMs = 5000) =>
    (stopping ??= (async () => {
      for (const name of ['', ...options.services.map((binding) => binding.serviceName)]) health.setStatus(name, 'NOT_SERVING');
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
      await app.close();
    })());
  return { app, port, address, stop };
}

/**
 * `startGrpcService` for a service that owns a resource opened before it (its database):
 * the resource is closed after the service stops, or at once if the service fails to start.
 */
export async function startGrpcServiceOwning(owned: { close(): Promise<void> }, options: GrpcServiceOptions): Promise<RunningGrpcService> {
  let running: RunningGrpcService;
  try {
    running = await startGrpcService(options);
  } catch (error) {
    await owned.close();
    throw error;
  }
  return {
    ...running,
    stop: async (graceMs?: number) => {
      await running.stop(graceMs);
      await owned.close();
    },
  };
}
