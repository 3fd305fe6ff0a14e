import { describe, expect, it } from 'vitest';
import {
  AVAILABILITY_BAD_RATIO_EXPRESSION,
  BURN_RATE_POLICY,
  LATENCY_BAD_RATIO_EXPRESSION,
  budgetRemainingExpression,
  budgetSpent,
  burnRate,
  burnRateExpression,
  burnRateThreshold,
  errorBudget,
  fastShareStatistic,
  pairFires,
  windowFires,
} from '../../lib/constructs/observability/slo/burn-rate';

/**
 * A small evaluator of the CloudWatch metric-math subset the SLO expressions use (numbers,
 * metric ids, + - * /, comparisons, AND/OR, IF, FILL) over single data points, where a
 * missing metric is `undefined` (no data point) as in CloudWatch. It evaluates the exact
 * strings the alarms carry, so the test proves what the alarms compute.
 */
type Value = number | undefined;
function evaluate(expression: string, values: Record<string, Value>): Value {
  const tokens = expression.match(/\s*(>=|<=|==|!=|[()+\-*/<>,]|\d+(?:\.\d+)?(?:e-?\d+)?|[A-Za-z_][A-Za-z0-9_]*)/g)!.map((t) => t.trim());
  expect(tokens.join('')).toBe(expression.replace(/\s+/g, ''));
  let position = 0;
  const peek = () => tokens[position];
  const take = (expected?: string) => {
    const token = tokens[position++];
    if (expected !== undefined && token !== expected) throw new Error(`expected ${expected}, got ${token}`);
    return token;
  };
  const arith = (a: Value, b: Value, f: (x: number, y: number) => number): Value => (a === undefined || b === undefined ? undefined : f(a, b));
  const bool = (b: boolean) => (b ? 1 : 0);

  function primary(): Value {
    const token = take();
    if (token === '(') {
      const value = or();
      take(')');
      return value;
    }
    if (token === '-') return arith(0, primary(), (x, y) => x - y);
    if (/^\d/.test(token)) return Number(token);
    if (token === 'IF' || token === 'FILL') {
      take('(');
      const args = [or()];
      while (peek() === ',') {
        take(',');
        args.push(or());
      }
      take(')');
      if (token === 'FILL') return args[0] ?? args[1];
      if (args[0] === undefined) return undefined;
      // CloudWatch: a series with no value in the chosen branch yields no data point.
      return args[0] !== 0 ? args[1] : args[2];
    }
    if (!(token in values)) throw new Error(`unknown metric id ${token}`);
    return values[token];
  }
  function term(): Value {
    let value = primary();
    while (peek() === '*' || peek() === '/') {
      const op = take();
      const right = primary();
      value = arith(value, right, op === '*' ? (x, y) => x * y : (x, y) => (y === 0 ? Number.NaN : x / y));
    }
    return value;
  }
  function sum(): Value {
    let value = term();
    while (peek() === '+' || peek() === '-') {
      const op = take();
      const right = term();
      value = arith(value, right, op === '+' ? (x, y) => x + y : (x, y) => x - y);
    }
    return value;
  }
  function comparison(): Value {
    const left = sum();
    const op = peek();
    const ops: Record<string, (x: number, y: number) => boolean> = { '>': (x, y) => x > y, '>=': (x, y) => x >= y, '<': (x, y) => x < y, '<=': (x, y) => x <= y, '==': (x, y) => x === y, '!=': (x, y) => x !== y };
    if (!(op in ops)) return left;
    take();
    return arith(left, sum(), (x, y) => bool(ops[op](x, y)));
  }
  function and(): Value {
    let value = comparison();
    while (peek() === 'AND') {
      take();
      value = arith(value, comparison(), (x, y) => bool(x !== 0 && y !== 0));
    }
    return value;
  }
  function or(): Value {
    let value = and();
    while (peek() === 'OR') {
      take();
      value = arith(value, and(), (x, y) => bool(x !== 0 || y !== 0));
    }
    return value;
  }
  const result = or();
  expect(position).toBe(tokens.length);
  return result;
}

const TARGET = 0.999;
const [FAST, SLOW] = BURN_RATE_POLICY;

/** The bad ratio the availability expression yields for `errors` 5xx out of `requests`. */
const availabilityRatio = (requests: Value, targetErrors: Value, elbErrors: Value = undefined) =>
  evaluate(AVAILABILITY_BAD_RATIO_EXPRESSION, { requests, targetErrors, elbErrors })!;

describe('error budget and thresholds', () => {
  it('gives 99.9 % a 0.1 % budget, exactly as a decimal', () => {
    expect(errorBudget(0.999)).toBe(0.001);
    expect(errorBudget(0.99)).toBe(0.01);
  });

  it('sets the fast pair at 14.4x over 1 h and 5 min and the slow pair at 6x over 6 h and 30 min', () => {
    expect(FAST).toEqual({ name: 'Fast', burnRate: 14.4, longWindowMinutes: 60, shortWindowMinutes: 5 });
    expect(SLOW).toEqual({ name: 'Slow', burnRate: 6, longWindowMinutes: 360, shortWindowMinutes: 30 });
    expect(burnRateThreshold(TARGET, FAST.burnRate)).toBe(0.0144);
    expect(burnRateThreshold(TARGET, SLOW.burnRate)).toBe(0.006);
  });

  it('spends 2 % of the 30-day budget per hour at the fast rate and 5 % per 6 h at the slow rate', () => {
    expect(budgetSpent(0.0144, 60, TARGET)).toBe(0.02);
    expect(budgetSpent(0.006, 360, TARGET)).toBe(0.05);
  });

  it('refuses targets outside (0, 1)', () => {
    expect(() => errorBudget(1)).toThrow(/between 0 and 1/);
    expect(() => errorBudget(0)).toThrow(/between 0 and 1/);
  });
});

describe('availability burn-rate expression, evaluated', () => {
  it('yields the 5xx share of requests, app and load balancer errors together', () => {
    expect(availabilityRatio(10_000, 100, 44)).toBeCloseTo(0.0144, 12);
    expect(availabilityRatio(1000, 6)).toBeCloseTo(0.006, 12);
  });

  it('fires the fast burn at an error ratio of 0.0144 in both windows, not at 0.01', () => {
    const ratio = availabilityRatio(100_000, 1440);
    expect(ratio).toBe(0.0144);
    expect(pairFires(FAST, TARGET, { long: ratio, short: ratio })).toBe(true);
    const lower = availabilityRatio(100_000, 1000);
    expect(pairFires(FAST, TARGET, { long: lower, short: lower })).toBe(false);
  });

  it('fires the slow burn at 0.006 over 6 h and 30 min, but not when only the long window burned', () => {
    const sixHours = availabilityRatio(3_600_000, 21_600);
    expect(sixHours).toBe(0.006);
    expect(windowFires(SLOW, TARGET, sixHours)).toBe(true);
    expect(pairFires(SLOW, TARGET, { long: sixHours, short: availabilityRatio(300_000, 1800) })).toBe(true);
    // The incident ended: the short window recovered, so the pair stops.
    expect(pairFires(SLOW, TARGET, { long: sixHours, short: availabilityRatio(300_000, 30) })).toBe(false);
    // 0.006 is far below the fast threshold.
    expect(windowFires(FAST, TARGET, sixHours)).toBe(false);
  });

  it('treats a period without requests (no ALB data at all) as good, never a division by zero', () => {
    expect(availabilityRatio(undefined, undefined, undefined)).toBe(0);
    expect(availabilityRatio(0, undefined, undefined)).toBe(0);
    expect(availabilityRatio(500, undefined, undefined)).toBe(0);
  });

  it('shows burn rate and budget left on the dashboard from the same ratio', () => {
    const values = { requests: 1000, targetErrors: 1, elbErrors: 0 };
    expect(evaluate(burnRateExpression(AVAILABILITY_BAD_RATIO_EXPRESSION, TARGET), values)).toBeCloseTo(1, 12);
    expect(burnRate(0.0144, TARGET)).toBe(14.4);
    expect(evaluate(budgetRemainingExpression(AVAILABILITY_BAD_RATIO_EXPRESSION, TARGET), { requests: 1_000_000, targetErrors: 250, elbErrors: 0 })).toBeCloseTo(75, 9);
    expect(evaluate(budgetRemainingExpression(AVAILABILITY_BAD_RATIO_EXPRESSION, TARGET), { requests: 1_000_000, targetErrors: 2000, elbErrors: 0 })).toBeCloseTo(-100, 9);
  });
});

describe('latency burn-rate expression, evaluated', () => {
  const LATENCY_TARGET = 0.99;
  const latencyRatio = (requests: Value, fastShare: Value) => evaluate(LATENCY_BAD_RATIO_EXPRESSION, { requests, fastShare })!;

  it('reads the share of requests within 50 ms with the percentile-rank statistic', () => {
    expect(fastShareStatistic(50)).toBe('PR(:0.05)');
    expect(fastShareStatistic(250)).toBe('PR(:0.25)');
    expect(() => fastShareStatistic(0)).toThrow(/greater than 0/);
  });

  it('turns PR (percent within the threshold) into the slow share: 85.6 % within 50 ms fires the fast burn', () => {
    expect(latencyRatio(10_000, 85.6)).toBeCloseTo(0.144, 12);
    expect(burnRateThreshold(LATENCY_TARGET, FAST.burnRate)).toBe(0.144);
    const ratio = latencyRatio(10_000, 85.6);
    expect(pairFires(FAST, LATENCY_TARGET, { long: Number(ratio.toPrecision(12)), short: Number(ratio.toPrecision(12)) })).toBe(true);
    expect(pairFires(FAST, LATENCY_TARGET, { long: latencyRatio(10_000, 90), short: latencyRatio(10_000, 90) })).toBe(false);
    expect(windowFires(SLOW, LATENCY_TARGET, latencyRatio(10_000, 90))).toBe(true);
  });

  it('treats a period without requests as all fast', () => {
    expect(latencyRatio(undefined, undefined)).toBe(0);
    expect(latencyRatio(0, undefined)).toBe(0);
  });
});
