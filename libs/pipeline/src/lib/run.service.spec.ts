import { addCount } from './run.service';

const ZERO = { pending: 0, leased: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0, earlyStopped: 0 };

describe('trial counts of a step', () => {
  it('adds the groups of one state, whatever their stop reasons, and counts early-stopped trials among the cancelled', () => {
    const groups: [string, string | null, number][] = [
      ['RUNNING', null, 2],
      ['RUNNING', 'CANCELLED', 1],
      ['CANCELLED', 'EARLY_STOPPED', 3],
      ['CANCELLED', 'CANCELLED', 4],
      ['CANCELLED', 'LIMIT_REACHED', 1],
      ['SUCCEEDED', null, 5],
    ];
    const counts = groups.reduce((total, [state, reason, count]) => addCount(total, state, reason, count), ZERO);
    expect(counts).toEqual({ ...ZERO, running: 3, succeeded: 5, cancelled: 8, earlyStopped: 3 });
  });
});
