import { ProblemCollector } from './problems';
import { SourceMap } from './source-map';
import { parseYamlSource, parseYamlValue } from './yaml-source';

function parse(text: string) {
  const sources = new SourceMap('test.yml');
  const problems = new ProblemCollector(sources);
  const value = parseYamlSource(text, sources, problems);
  return { value, sources, problems: problems.list() };
}

describe('parseYamlSource', () => {
  it('reads numbers as Vega means them: 1e-4 and !!float are floats, yes/no are booleans, y stays a string', () => {
    const { value } = parse('a: 1e-4\nb: !!float 0\nc: !!float 1e10\nd: yes\ne: Off\nf: y\ng: "1e-4"\nh: True\n');
    expect(value).toEqual({ a: 1e-4, b: 0, c: 1e10, d: true, e: false, f: 'y', g: '1e-4', h: true });
  });

  it('maps every path to its line, through anchors and merge keys', () => {
    const { value, sources } = parse(`base: &base
  lr: 0.1
  momentum: 0.9
copy:
  <<: *base
  lr: 0.2
alias: *base
list:
  - one
  - two
`);
    expect(value).toEqual({ base: { lr: 0.1, momentum: 0.9 }, copy: { lr: 0.2, momentum: 0.9 }, alias: { lr: 0.1, momentum: 0.9 }, list: ['one', 'two'] });
    expect(sources.describe(['copy', 'lr'])).toBe('test.yml:6: copy.lr');
    expect(sources.describe(['copy', 'momentum'])).toBe('test.yml:3: copy.momentum');
    expect(sources.describe(['alias', 'lr'])).toBe('test.yml:2: alias.lr');
    expect(sources.describe(['list', 1])).toBe('test.yml:10: list[1]');
    expect(sources.describe(['list', 1, 'deeper'])).toBe('test.yml:10: list[1].deeper');
  });

  it('reports a recursive alias where it is, instead of recursing for ever', () => {
    const { value, problems } = parse('general:\n  seed: 1\nloop: &x [1, *x]\n');
    expect(value).toBeUndefined();
    expect(problems.map((problem) => problem.message)).toEqual(['test.yml:3: loop[1]: malformed YAML: a recursive alias (the aliased node contains the alias)']);
  });

  it('reports malformed YAML, duplicate keys and unknown tags with their lines', () => {
    expect(parse('a: 1\na: 2\n').problems.map((problem) => problem.message)).toEqual(['test.yml:2: malformed YAML: Map keys must be unique']);
    expect(parse('a: !!python/tuple [1, 2]\n').problems[0].message).toMatch(/^test\.yml:1: malformed YAML: .*tag/i);
    expect(parse('a:\n  - 1\n - 2\n').problems[0].line).toBe(3);
  });
});

describe('parseYamlValue', () => {
  it('reads a --set value as YAML', () => {
    expect(parseYamlValue('1e-3')).toEqual({ value: 1e-3 });
    expect(parseYamlValue('[16, 32]')).toEqual({ value: [16, 32] });
    expect(parseYamlValue("'007'")).toEqual({ value: '007' });
    expect(parseYamlValue('')).toEqual({ value: null });
    expect(typeof parseYamlValue('{a: 1')).toBe('string');
  });
});
