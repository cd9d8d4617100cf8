import { InvalidArgumentError } from '@vela/errors';
import { PageTokenCodec, decodePageToken, encodePageToken, resolvePageSize } from './page-token';

const request = { filter: { runId: 'r1', stepId: 'nas', trialStates: [4] }, order: 2, pageSize: 10, pageToken: '' };

function invalid(fn: () => unknown): InvalidArgumentError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    return error as InvalidArgumentError;
  }
  throw new Error('expected an InvalidArgumentError');
}

describe('page tokens', () => {
  it('round-trips offsets and keyset cursors', () => {
    const byOffset = encodePageToken('ListRecords', { offset: 100 }, request);
    expect(decodePageToken('ListRecords', byOffset, request)).toEqual({ offset: 100 });
    const counted = encodePageToken('ListRecords', { offset: 100, total: 1234 }, request);
    expect(decodePageToken('ListRecords', counted, request)).toEqual({ offset: 100, total: 1234 });
    const byCursor = encodePageToken('ListRecords', { cursor: [3, 1, 'x'] }, request);
    expect(decodePageToken('ListRecords', byCursor, request)).toEqual({ cursor: [3, 1, 'x'] });
  });

  it('reads an empty token as the first page', () => {
    expect(decodePageToken('ListRecords', '', request)).toBeUndefined();
  });

  it('is opaque: the position is not readable as plain text', () => {
    const token = encodePageToken('ListRuns', { offset: 50 }, {});
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(token).not.toContain('50');
  });

  it('lets page_size change between pages and ignores key order and proto3 defaults', () => {
    const token = encodePageToken('ListRecords', { offset: 10 }, request);
    const same = { pageToken: token, pageSize: 500, order: 2, filter: { trialStates: [4], stepId: 'nas', runId: 'r1', trialId: '' } };
    expect(decodePageToken('ListRecords', token, same)).toEqual({ offset: 10 });
    const empty = encodePageToken('ListRuns', { offset: 1 }, {});
    expect(decodePageToken('ListRuns', empty, { filter: { states: [] }, pageSize: 0 })).toEqual({ offset: 1 });
  });

  it('refuses a token reused with different arguments or for another method', () => {
    const token = encodePageToken('ListRecords', { offset: 10 }, request);
    const changed = invalid(() => decodePageToken('ListRecords', token, { ...request, filter: { ...request.filter, stepId: 'hpo' } }));
    expect(changed.field).toBe('page_token');
    expect(changed.message).toMatch(/^page_token: was issued for a request with different arguments/);
    expect(invalid(() => decodePageToken('ListTrials', token, request)).field).toBe('page_token');
  });

  it('refuses tokens it never issued: garbage, edits and other keys', () => {
    const token = encodePageToken('ListRecords', { offset: 10 }, request);
    const [payload, mac] = token.split('.');
    const forged = Buffer.from(Buffer.from(payload, 'base64url').toString('utf8').replace('10', '99')).toString('base64url');
    for (const bad of ['x', 'a.b', `${forged}.${mac}`, `${payload}.${mac}x`, `${token}.x`, new PageTokenCodec('other secret').encode('ListRecords', { offset: 10 }, request)]) {
      const error = invalid(() => decodePageToken('ListRecords', bad, request));
      expect(error.field).toBe('page_token');
      expect(error.message).toContain('is not a page token this service issued');
    }
  });

  it('accepts tokens of another codec with the same secret (another replica or a restart)', () => {
    const token = new PageTokenCodec('s3cret').encode('ListWorkers', { cursor: 'w-9' }, {});
    expect(new PageTokenCodec('s3cret').decode('ListWorkers', token, {})).toEqual({ cursor: 'w-9' });
  });

  it('refuses to encode a nonsensical position', () => {
    expect(() => encodePageToken('ListRuns', { offset: -1 }, {})).toThrow(InvalidArgumentError);
    expect(() => encodePageToken('ListRuns', { offset: 1.5 }, {})).toThrow(InvalidArgumentError);
  });
});

describe('resolvePageSize', () => {
  const limits = { defaultSize: 100, maxSize: 1000 };
  it('applies the default and coerces large sizes down (AIP-158)', () => {
    expect(resolvePageSize(0, limits)).toBe(100);
    expect(resolvePageSize(undefined, limits)).toBe(100);
    expect(resolvePageSize(7, limits)).toBe(7);
    expect(resolvePageSize(5000, limits)).toBe(1000);
  });
  it('refuses negative sizes naming page_size', () => {
    expect(invalid(() => resolvePageSize(-1, limits)).field).toBe('page_size');
  });
});
