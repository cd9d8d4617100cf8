import { statementNamer } from './client';

describe('statementNamer', () => {
  it('names each distinct statement once, and stops naming past its limit', () => {
    const name = statementNamer(2);
    expect(name({ sql: 'SELECT 1' })).toBe('vela_1');
    expect(name({ sql: 'SELECT 2' })).toBe('vela_2');
    expect(name({ sql: 'SELECT 1' })).toBe('vela_1');
    // A third shape runs unnamed (unprepared) rather than growing the caches.
    expect(name({ sql: 'SELECT 3' })).toBeUndefined();
  });
});
