import {
  credentials,
  makeGenericClientConstructor,
  Metadata,
  type CallOptions,
  type Client,
  type ClientReadableStream,
  type ClientUnaryCall,
  type ClientWritableStream,
  type handleClientStreamingCall,
  type handleServerStreamingCall,
  type handleUnaryCall,
  type MethodDefinition,
  type ServiceDefinition,
  type ServiceError,
} from '@grpc/grpc-js';
import { AUTHORIZATION_HEADER } from './auth';

export interface ClientCallOptions {
  /** Milliseconds from now; the call fails with DEADLINE_EXCEEDED after it. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/**
 * The client side of a ts-proto grpc-js service (typed from its `XServiceServer` interface):
 * unary calls return promises, server streams are async iterables, client streams take an
 * async iterable (or array) of requests.
 */
export type AsyncClient<S> = {
  [K in keyof S as string extends K ? never : K]: S[K] extends handleUnaryCall<infer Req, infer Res>
    ? (request: Req, options?: ClientCallOptions) => Promise<Res>
    : S[K] extends handleServerStreamingCall<infer Req, infer Res>
      ? (request: Req, options?: ClientCallOptions) => AsyncIterable<Res>
      : S[K] extends handleClientStreamingCall<infer Req, infer Res>
        ? (requests: AsyncIterable<Req> | Iterable<Req>, options?: ClientCallOptions) => Promise<Res>
        : never;
} & { close(): void };

/**
 * Options of every Vela channel (servers take them too; they ignore the client-side ones).
 * Channelz (grpc-js's per-call tracing of counters and timestamps, read only by a channelz
 * admin service, which Vela does not serve) is off: it is work on every call of the hot path.
 *
 * A channel whose peer went away reconnects with a backoff that grows by 1.6× per failed
 * attempt, up to two minutes by default: a worker found a master that had restarted after
 * 12 s of downtime only 6.6 s after it was up again, and later the longer the outage. Capped at
 * two seconds, a peer is found again within about two seconds of coming back.
 */
export const CHANNEL_OPTIONS = {
  'grpc.max_receive_message_length': 64 * 1024 * 1024,
  'grpc.max_send_message_length': 64 * 1024 * 1024,
  'grpc.enable_channelz': 0,
  'grpc.max_reconnect_backoff_ms': 2000,
} as const;

/** A promise/async-iterable client for `definition` at `address` (plaintext, loopback or trusted network). */
export function createAsyncClient<S>(definition: ServiceDefinition, serviceName: string, address: string, token?: string): AsyncClient<S> {
  const Constructor = makeGenericClientConstructor(definition, serviceName);
  const client = new Constructor(address, credentials.createInsecure(), CHANNEL_OPTIONS) as Client & Record<string, (...args: unknown[]) => unknown>;
  // The token rides in each call's own metadata: an interceptor would wrap every call in
  // another call object and listener.
  const metadata = (): Metadata => {
    const values = new Metadata();
    if (token) values.set(AUTHORIZATION_HEADER, `Bearer ${token}`);
    return values;
  };
  const methods: Record<string, unknown> = { close: () => client.close() };
  for (const [name, method] of Object.entries(definition) as [string, MethodDefinition<unknown, unknown>][]) {
    const call = client[name].bind(client);
    if (!method.requestStream && !method.responseStream) {
      methods[name] = (request: unknown, options: ClientCallOptions = {}) =>
        new Promise((resolve, reject) => {
          const pending = call(request, metadata(), callOptions(options), (error: ServiceError | null, response: unknown) => (error ? reject(error) : resolve(response)));
          cancelOnAbort(pending as ClientUnaryCall, options.signal);
        });
    } else if (!method.requestStream) {
      methods[name] = (request: unknown, options: ClientCallOptions = {}) => {
        const stream = call(request, metadata(), callOptions(options)) as ClientReadableStream<unknown>;
        cancelOnAbort(stream, options.signal);
        return readStream(stream);
      };
    } else if (!method.responseStream) {
      methods[name] = async (requests: AsyncIterable<unknown> | Iterable<unknown>, options: ClientCallOptions = {}) => {
        let stream!: ClientWritableStream<unknown>;
        const response = new Promise((resolve, reject) => {
          stream = call(metadata(), callOptions(options), (error: ServiceError | null, value: unknown) => (error ? reject(error) : resolve(value))) as ClientWritableStream<unknown>;
        });
        cancelOnAbort(stream, options.signal);
        try {
          for await (const request of requests) {
            if (!stream.write(request)) await new Promise((resolve) => stream.once('drain', resolve));
          }
          stream.end();
        } catch (error) {
          stream.cancel();
          throw error;
        }
        return response;
      };
    }
  }
  return methods as AsyncClient<S>;
}

function callOptions(options: ClientCallOptions): Partial<CallOptions> {
  return options.timeoutMs === undefined ? {} : { deadline: Date.now() + options.timeoutMs };
}

/**
 * Cancels `call` when `signal` aborts before the call ends. The listener goes when the call
 * ends: a long-lived signal (a dashboard's, a driver's) would otherwise keep one per call.
 */
function cancelOnAbort(call: ClientUnaryCall | ClientReadableStream<unknown> | ClientWritableStream<unknown>, signal: AbortSignal | undefined): void {
  if (!signal) return;
  if (signal.aborted) return call.cancel();
  const cancel = () => call.cancel();
  signal.addEventListener('abort', cancel, { once: true });
  call.once('status', () => signal.removeEventListener('abort', cancel));
}

/** A server stream as an async iterable that cancels the call when the consumer stops early. */
async function* readStream<T>(stream: ClientReadableStream<T>): AsyncIterable<T> {
  let finished = false;
  try {
    for await (const message of stream) yield message as T;
    finished = true;
  } finally {
    if (!finished) stream.cancel();
  }
}
