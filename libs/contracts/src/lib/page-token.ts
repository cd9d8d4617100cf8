import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { InvalidArgumentError } from '@vela/errors';

/**
 * AIP-158 page tokens: opaque to clients, tamper-evident, and bound to the request that
 * produced them. A token carries the position of the next page (an offset, or a keyset
 * cursor) plus a hash of the request's other arguments, signed with HMAC-SHA256. A token
 * this codec never issued, or one reused with different arguments (filters, order, parent),
 * is INVALID_ARGUMENT naming `page_token`. `page_size` may change between pages (AIP-158),
 * so it is not part of the hash.
 *
 * Tokens hold read positions only, so the default key (the same in every process, so a
 * token survives a restart or another replica) suffices to detect corruption and misuse;
 * pass a secret to make them unforgeable.
 */

/**
 * Where the next page starts: a row offset, or a keyset cursor (for example the last seq).
 * An offset may carry the total the first page counted, so later pages need not count again.
 */
export type PagePosition =
  | { readonly offset: number; readonly total?: number }
  | { readonly cursor: string | number | readonly (string | number)[] };

/** Request fields that never bind a token (either spelling: proto or ts-proto's camelCase). */
const UNBOUND_FIELDS = new Set(['page_token', 'pageToken', 'page_size', 'pageSize']);
const VERSION = 1;
const DEFAULT_KEY = 'vela.v1.page-token';
const MAC_BYTES = 16;
const FIELD = 'page_token';

interface TokenBody {
  readonly v: number;
  /** The position. */
  readonly p: PagePosition;
  /** The hash of the scope and the bound request arguments. */
  readonly h: string;
}

export class PageTokenCodec {
  private readonly key: Buffer;

  constructor(secret: string | Buffer = DEFAULT_KEY) {
    this.key = Buffer.isBuffer(secret) ? secret : Buffer.from(secret, 'utf8');
    if (this.key.length === 0) throw new InvalidArgumentError('must not be empty', 'secret');
  }

  /**
   * The token for the page at `position` of the listing `scope` (the method, e.g.
   * `ListRecords`) called with `request`.
   */
  encode(scope: string, position: PagePosition, request: object): string {
    const body: TokenBody = { v: VERSION, p: checkPosition(position, 'position'), h: requestHash(scope, request) };
    const payload = Buffer.from(JSON.stringify(body), 'utf8');
    return `${payload.toString('base64url')}.${this.mac(payload).toString('base64url')}`;
  }

  /**
   * The position `token` points at, checked against `request`; undefined for an empty token
   * (the first page). Throws InvalidArgumentError (field `page_token`) for any token this
   * codec did not issue for the same scope and arguments.
   */
  decode(scope: string, token: string, request: object): PagePosition | undefined {
    if (token === undefined || token === '') return undefined;
    const body = this.verify(token);
    if (body.h !== requestHash(scope, request)) {
      throw new InvalidArgumentError(
        'was issued for a request with different arguments; keep every argument except page_size the same between pages, or start again without a page_token',
        FIELD,
      );
    }
    return body.p;
  }

  private verify(token: string): TokenBody {
    const notIssued = () => new InvalidArgumentError('is not a page token this service issued; pass the next_page_token of the previous page unchanged', FIELD);
    if (typeof token !== 'string') throw notIssued();
    const [payloadText, macText, ...rest] = token.split('.');
    if (!payloadText || !macText || rest.length > 0) throw notIssued();
    const payload = Buffer.from(payloadText, 'base64url');
    const mac = Buffer.from(macText, 'base64url');
    const expected = this.mac(payload);
    if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) throw notIssued();
    let body: TokenBody;
    try {
      body = JSON.parse(payload.toString('utf8')) as TokenBody;
    } catch {
      throw notIssued();
    }
    if (body?.v !== VERSION || typeof body.h !== 'string') throw notIssued();
    return { ...body, p: checkPosition(body.p, FIELD) };
  }

  private mac(payload: Buffer): Buffer {
    return createHmac('sha256', this.key).update(payload).digest().subarray(0, MAC_BYTES);
  }
}

const defaultCodec = new PageTokenCodec();

/** {@link PageTokenCodec.encode} with the default key. */
export function encodePageToken(scope: string, position: PagePosition, request: object): string {
  return defaultCodec.encode(scope, position, request);
}

/** {@link PageTokenCodec.decode} with the default key. */
export function decodePageToken(scope: string, token: string, request: object): PagePosition | undefined {
  return defaultCodec.decode(scope, token, request);
}

/**
 * AIP-158 page size: 0 (unset) means `defaultSize`, values above `maxSize` are coerced down
 * to it, and a negative or fractional value is INVALID_ARGUMENT naming `page_size`.
 */
export function resolvePageSize(pageSize: number | undefined, limits: { readonly defaultSize: number; readonly maxSize: number }): number {
  const size = pageSize ?? 0;
  if (!Number.isInteger(size) || size < 0) {
    throw new InvalidArgumentError(`must be a non-negative integer (0 for the default of ${limits.defaultSize}), got ${size}`, 'page_size');
  }
  return size === 0 ? Math.min(limits.defaultSize, limits.maxSize) : Math.min(size, limits.maxSize);
}

function checkPosition(position: PagePosition, field: string): PagePosition {
  const invalid = () => new InvalidArgumentError('must hold a non-negative integer offset or a cursor', field);
  if (typeof position !== 'object' || position === null) throw invalid();
  if ('offset' in position) {
    if (!Number.isSafeInteger(position.offset) || position.offset < 0) throw invalid();
    if (position.total === undefined) return { offset: position.offset };
    if (!Number.isSafeInteger(position.total) || position.total < 0) throw invalid();
    return { offset: position.offset, total: position.total };
  }
  if ('cursor' in position) {
    const ok = (value: unknown) => typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
    const cursor = position.cursor;
    if (Array.isArray(cursor) ? !cursor.every(ok) : !ok(cursor)) throw invalid();
    return { cursor };
  }
  throw invalid();
}

/** SHA-256 of the scope and the canonical JSON of the bound arguments. */
function requestHash(scope: string, request: object): string {
  return createHash('sha256')
    .update(JSON.stringify([scope, canonical(request, true)]))
    .digest('base64url');
}

/**
 * A canonical form: keys sorted, Dates as ISO text, Buffers as base64, and unbound fields
 * and proto3 defaults ('', 0, false, empty lists and messages) dropped, because on the wire
 * a default is the same as unset: `{ filter: {} }` and `{}` are one request.
 */
function canonical(value: unknown, topLevel = false): unknown {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map((item) => canonical(item));
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      if (topLevel && UNBOUND_FIELDS.has(key)) continue;
      const item = canonical((value as Record<string, unknown>)[key]);
      if (!isDefault(item)) out[key] = item;
    }
    return out;
  }
  return value;
}

function isDefault(value: unknown): boolean {
  if (value === null || value === '' || value === 0 || value === false) return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === 'object' && Object.keys(value as object).length === 0;
}
