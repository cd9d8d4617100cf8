import { formatTable } from './table';

describe('formatTable', () => {
  const columns = [
    { header: 'NAME', value: (row: { name: string; count: number }) => row.name },
    { header: 'COUNT', value: (row: { name: string; count: number }) => String(row.count), align: 'right' as const },
    { header: 'NOTE', value: () => '' },
  ];

  it('aligns every column to its widest cell, numbers to the right, without trailing spaces', () => {
    expect(formatTable(columns, [{ name: 'hpo', count: 12 }, { name: 'fully_train', count: 3 }])).toEqual([
      'NAME         COUNT  NOTE',
      'hpo             12',
      'fully_train      3',
    ]);
  });

  it('prints the header alone when there are no rows', () => {
    expect(formatTable(columns, [])).toEqual(['NAME  COUNT  NOTE']);
  });

  it('counts an arrow as one column', () => {
    const lines = formatTable([{ header: 'K', value: (row: string) => row }, { header: 'V', value: () => 'x' }], ['a ↑', 'abc']);
    expect(lines[1].indexOf('x')).toBe(lines[2].indexOf('x'));
  });
});
