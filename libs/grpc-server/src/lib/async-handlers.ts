import {
  type handleBidiStreamingCall,
  type handleClientStreamingCall,
  type handleServerStreamingCall,
  type handleUnaryCall,
  type Metadata,
  type MethodDefinition,
  type ServerDuplexStream,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceDefinition,
  type UntypedHandleCall,
  type UntypedServiceImplementation,
  status as GrpcStatus,
} from '@grpc/grpc-js';
import { toServiceError } from './error-mapping';

/** What a handler learns about its call besides the request. */
export interface CallContext {
  readonly metadata: Metadata;
  /** Aborted when the client cancels or the deadline passes, so long polls and streams can end. */
  readonly signal: AbortSignal;
  readonly peer: string;
}

/**
 * A grpc-js service interface (as ts-proto generates it) turned into promise / async-iterable
 * methods, so controllers read as ordinary async code:
 * unary → `(req, ctx) => Promise<Res>`; server stream → `(req, ctx) => AsyncIterable<Res>`;
 * client stream → `(requests, ctx) => Promise<Res>`; bidi → `(requests, ctx) => AsyncIterable<Res>`.
 */
export type AsyncService<S> = {
  [K in keyof S as string extends K ? never : K]: S[K] extends handleUnaryCall<infer Req, infer Res>
    ? (request: Req, context: CallContext) => Promise<Res>
    : S[K] extends handleServerStreamingCall<infer Req, infer Res>
      ? (request: Req, context: CallContext) => AsyncIterable<Res>
      : S[K] extends handleClientStreamingCall<infer Req, infer Res>
        ? (requests: AsyncIterable<Req>, context: CallContext) => Promise<Res>
        : S[K] extends handleBidiStreamingCall<infer Req, infer Res>
          ? (requests: AsyncIterable<Req>, context: CallContext) => AsyncIterable<Res>
          : never;
};

/** Checks each call before its handler runs (e.g. the bearer token); throws to refuse. */
export type CallGuard = (context: CallContext, methodPath: string) => void;

type AnyCall = ServerUnaryCall<unknown, unknown> | ServerWritableStream<unknown, unknown> | ServerReadableStream<unknown, unknown> | ServerDuplexStream<unknown, unknown>;

/**
 * A call's context; its signal aborts when the call is cancelled or closes before its handler
 * answered. `answered()` detaches it: a call that ended normally aborts nothing (an abort
 * builds an exception with its stack, per call).
 */
function contextOf(call: AnyCall): { context: CallContext; answered: () => void } {
  const controller = new AbortController();
  const abort = () => controller.abort();
  const events = call as unknown as NodeJS.EventEmitter;
  events.on('cancelled', abort);
  events.on('close', abort);
  const context: CallContext = {
    metadata: call.metadata,
    signal: controller.signal,
    get peer() {
      return call.getPeer();
    },
  };
  return {
    context,
    answered: () => {
      events.off('cancelled', abort);
      events.off('close', abort);
    },
  };
}

/**
 * Adapts an object of async methods to the grpc-js handler shapes of `definition`: errors go
 * through `toServiceError`, cancellation aborts `context.signal`, and `guard` runs first.
 */
export function toGrpcHandlers(
  definition: ServiceDefinition,
  implementation: object,
  guard: CallGuard | undefined,
  onError: (method: string, error: unknown) => void,
): UntypedServiceImplementation {
  const handlers: Record<string, UntypedHandleCall> = {};
  for (const [name, method] of Object.entries(definition) as [string, MethodDefinition<unknown, unknown>][]) {
    const target = (implementation as Record<string, unknown>)[name];
    if (typeof target !== 'function') throw new Error(`${implementation.constructor.name} does not implement ${method.path}`);
    const handler = (target as (...args: unknown[]) => unknown).bind(implementation);
    const fail = (error: unknown) => {
      const serviceError = toServiceError(error);
      if (serviceError.code === GrpcStatus.INTERNAL) onError(method.path, error);
      return serviceError;
    };
    if (!method.requestStream && !method.responseStream) {
      handlers[name] = ((call: ServerUnaryCall<unknown, unknown>, callback: (error: unknown, value?: unknown) => void) => {
        const { context, answered } = contextOf(call);
        Promise.resolve()
          .then(() => guard?.(context, method.path))
          .then(() => handler(call.request, context) as Promise<unknown>)
          .finally(answered)
          .then((response) => callback(null, response), (error) => callback(fail(error)));
      }) as UntypedHandleCall;
    } else if (!method.requestStream && method.responseStream) {
      handlers[name] = (call: ServerWritableStream<unknown, unknown>) => {
        const { context } = contextOf(call);
        void pump(call, context, () => {
          guard?.(context, method.path);
          return handler(call.request, context) as AsyncIterable<unknown>;
        }, fail);
      };
    } else if (method.requestStream && !method.responseStream) {
      handlers[name] = ((call: ServerReadableStream<unknown, unknown>, callback: (error: unknown, value?: unknown) => void) => {
        const { context, answered } = contextOf(call);
        Promise.resolve()
          .then(() => guard?.(context, method.path))
          .then(() => handler(call as AsyncIterable<unknown>, context) as Promise<unknown>)
          .finally(answered)
          .then((response) => callback(null, response), (error) => {
            callback(fail(error));
          });
      }) as UntypedHandleCall;
    } else {
      handlers[name] = (call: ServerDuplexStream<unknown, unknown>) => {
        const { context } = contextOf(call);
        void pump(call, context, () => {
          guard?.(context, method.path);
          return handler(call as AsyncIterable<unknown>, context) as AsyncIterable<unknown>;
        }, fail);
      };
    }
  }
  return handlers;
}

/** Writes an async iterable to a server stream, honouring backpressure and cancellation. */
async function pump(
  call: ServerWritableStream<unknown, unknown> | ServerDuplexStream<unknown, unknown>,
  context: CallContext,
  open: () => AsyncIterable<unknown>,
  fail: (error: unknown) => ReturnType<typeof toServiceError>,
): Promise<void> {
  try {
    for await (const message of open()) {
      if (context.signal.aborted) return;
      if (!call.write(message)) await new Promise((resolve) => call.once('drain', resolve));
    }
    call.end();
  } catch (error) {
    if (!context.signal.aborted) call.emit('error', fail(error));
  }
}
