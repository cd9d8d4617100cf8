import { InvalidArgumentError, closestMatch } from '@vela/errors';

/** The model statistics a quota may constrain, in Vega's units: flops in billions, params in thousands, latency in ms. */
export const QUOTA_METRICS = ['flops', 'params', 'latency'] as const;
export type QuotaMetric = (typeof QUOTA_METRICS)[number];

export const COMPARISON_OPERATORS = ['<', '<=', '>', '>=', '==', '!='] as const;
export type ComparisonOperator = (typeof COMPARISON_OPERATORS)[number];

/** A parsed `general.quota`: plain data, so it travels as JSON with the resolved config. */
export type QuotaExpression =
  | { readonly kind: 'compare'; readonly metric: QuotaMetric; readonly operator: ComparisonOperator; readonly value: number }
  | { readonly kind: 'in_range'; readonly metric: QuotaMetric; readonly low: number; readonly high: number }
  | { readonly kind: 'and' | 'or'; readonly left: QuotaExpression; readonly right: QuotaExpression };

type Token =
  | { readonly type: 'identifier'; readonly text: string; readonly column: number }
  | { readonly type: 'number'; readonly text: string; readonly value: number; readonly column: number }
  | { readonly type: 'operator'; readonly text: ComparisonOperator; readonly column: number }
  | { readonly type: 'punctuation'; readonly text: '(' | ')' | '[' | ']' | ','; readonly column: number }
  | { readonly type: 'end'; readonly text: ''; readonly column: number };

const NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*/;
const OPERATOR = /^(?:<=|>=|==|!=|<|>)/;

/** A quota string that does not parse; the message names the column and what was expected. */
export class QuotaSyntaxError extends InvalidArgumentError {
  constructor(
    readonly detail: string,
    readonly column: number,
  ) {
    super(`${detail} (at column ${column})`);
  }
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let offset = 0;
  while (offset < text.length) {
    const rest = text.slice(offset);
    const column = offset + 1;
    const space = /^\s+/.exec(rest);
    if (space) {
      offset += space[0].length;
      continue;
    }
    const number = NUMBER.exec(rest);
    const identifier = IDENTIFIER.exec(rest);
    const operator = OPERATOR.exec(rest);
    if (number) tokens.push({ type: 'number', text: number[0], value: Number(number[0]), column });
    else if (identifier) tokens.push({ type: 'identifier', text: identifier[0], column });
    else if (operator) tokens.push({ type: 'operator', text: operator[0] as ComparisonOperator, column });
    else if ('()[],'.includes(rest[0])) tokens.push({ type: 'punctuation', text: rest[0] as '(' | ')' | '[' | ']' | ',', column });
    else throw new QuotaSyntaxError(`unexpected character '${rest[0]}'`, column);
    offset += (number ?? identifier ?? operator)?.[0].length ?? 1;
  }
  tokens.push({ type: 'end', text: '', column: text.length + 1 });
  return tokens;
}

function found(token: Token): string {
  return token.type === 'end' ? 'the end' : `'${token.text}'`;
}

/**
 * Recursive descent over
 *   or := and ('or' and)* ;  and := primary ('and' primary)*
 *   primary := '(' or ')' | metric operator number | metric 'in' '[' number ',' number ']'
 */
class QuotaParser {
  private position = 0;

  constructor(private readonly tokens: Token[]) {}

  parse(): QuotaExpression {
    const expression = this.or();
    const next = this.peek();
    if (next.type !== 'end') throw new QuotaSyntaxError(`expected 'and', 'or' or the end, found ${found(next)}`, next.column);
    return expression;
  }

  private or(): QuotaExpression {
    let left = this.and();
    while (this.isKeyword('or')) {
      this.position++;
      left = { kind: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): QuotaExpression {
    let left = this.primary();
    while (this.isKeyword('and')) {
      this.position++;
      left = { kind: 'and', left, right: this.primary() };
    }
    return left;
  }

  private primary(): QuotaExpression {
    const token = this.next();
    if (token.type === 'punctuation' && token.text === '(') {
      const inner = this.or();
      this.expectPunctuation(')');
      return inner;
    }
    if (token.type !== 'identifier') {
      throw new QuotaSyntaxError(`expected a metric (${QUOTA_METRICS.join(', ')}) or '(', found ${found(token)}`, token.column);
    }
    const metric = asMetric(token);
    if (this.isKeyword('in')) {
      this.position++;
      this.expectPunctuation('[');
      const low = this.number();
      this.expectPunctuation(',');
      const high = this.number();
      this.expectPunctuation(']');
      if (low > high) throw new QuotaSyntaxError(`the range [${low}, ${high}] of ${metric} is empty`, token.column);
      return { kind: 'in_range', metric, low, high };
    }
    const operator = this.next();
    if (operator.type !== 'operator') {
      throw new QuotaSyntaxError(`expected a comparison (${COMPARISON_OPERATORS.join(' ')}) or 'in' after ${metric}, found ${found(operator)}`, operator.column);
    }
    return { kind: 'compare', metric, operator: operator.text, value: this.number() };
  }

  private number(): number {
    const token = this.next();
    if (token.type !== 'number') throw new QuotaSyntaxError(`expected a number, found ${found(token)}`, token.column);
    return token.value;
  }

  private expectPunctuation(text: string): void {
    const token = this.next();
    if (token.type !== 'punctuation' || token.text !== text) throw new QuotaSyntaxError(`expected '${text}', found ${found(token)}`, token.column);
  }

  private isKeyword(word: string): boolean {
    const token = this.peek();
    return token.type === 'identifier' && token.text.toLowerCase() === word;
  }

  private peek(): Token {
    return this.tokens[this.position];
  }

  private next(): Token {
    const token = this.tokens[this.position];
    if (token.type !== 'end') this.position++;
    return token;
  }
}

function asMetric(token: Token): QuotaMetric {
  const name = token.text.toLowerCase();
  if ((QUOTA_METRICS as readonly string[]).includes(name)) return name as QuotaMetric;
  const closest = closestMatch(token.text, QUOTA_METRICS);
  const hint = closest ? `; did you mean '${closest}'?` : '';
  throw new QuotaSyntaxError(`unknown metric '${token.text}'${hint} (known: ${QUOTA_METRICS.join(', ')})`, token.column);
}

/** Parses a quota such as `"flops < 1.6 and params < 1e10"` into a checked expression (never evaluated as code). */
export function parseQuota(text: string): QuotaExpression {
  const tokens = tokenize(text);
  if (tokens.length === 1) throw new QuotaSyntaxError('expected a constraint such as "flops < 1.6 and params < 1e10", found an empty string', 1);
  return new QuotaParser(tokens).parse();
}

/** The metrics an expression reads, each once, in order of appearance. */
export function quotaMetrics(expression: QuotaExpression): QuotaMetric[] {
  switch (expression.kind) {
    case 'and':
    case 'or':
      return [...new Set([...quotaMetrics(expression.left), ...quotaMetrics(expression.right)])];
    case 'compare':
    case 'in_range':
      return [expression.metric];
  }
}

/** Whether `metrics` satisfy the quota. Every metric the expression reads must be given. */
export function evaluateQuota(expression: QuotaExpression, metrics: Readonly<Partial<Record<QuotaMetric, number>>>): boolean {
  switch (expression.kind) {
    case 'and':
      return evaluateQuota(expression.left, metrics) && evaluateQuota(expression.right, metrics);
    case 'or':
      return evaluateQuota(expression.left, metrics) || evaluateQuota(expression.right, metrics);
    case 'in_range': {
      const value = metricValue(expression.metric, metrics);
      return value >= expression.low && value <= expression.high;
    }
    case 'compare':
      return compare(metricValue(expression.metric, metrics), expression.operator, expression.value);
  }
}

function metricValue(metric: QuotaMetric, metrics: Readonly<Partial<Record<QuotaMetric, number>>>): number {
  const value = metrics[metric];
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new InvalidArgumentError(`the quota reads ${metric}, but no ${metric} was measured`, metric);
  }
  return value;
}

function compare(left: number, operator: ComparisonOperator, right: number): boolean {
  switch (operator) {
    case '<':
      return left < right;
    case '<=':
      return left <= right;
    case '>':
      return left > right;
    case '>=':
      return left >= right;
    case '==':
      return left === right;
    case '!=':
      return left !== right;
  }
}

/** The expression written back as text, with the parentheses its structure needs. */
export function formatQuota(expression: QuotaExpression): string {
  switch (expression.kind) {
    case 'compare':
      return `${expression.metric} ${expression.operator} ${expression.value}`;
    case 'in_range':
      return `${expression.metric} in [${expression.low}, ${expression.high}]`;
    case 'and':
      return [expression.left, expression.right].map((side) => (side.kind === 'or' ? `(${formatQuota(side)})` : formatQuota(side))).join(' and ');
    case 'or':
      return `${formatQuota(expression.left)} or ${formatQuota(expression.right)}`;
  }
}
