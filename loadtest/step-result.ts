/**
 * What one worker measured in one step of a run: counts by outcome and the full latency
 * histogram (HDR, compressed base64). One JSON object per worker and step, stored under
 * `<runId>/<step>/<workerId>.json`; the aggregator reads them back and merges them.
 */

/** Responses by class; `rateLimited` (429) is counted apart from the other 4xx. */
export interface OutcomeCounts {
  readonly ok2xx: number;
  readonly other3xx4xx: number;
  readonly rateLimited: number;
  readonly server5xx: number;
  /** Requests that got no response: connection errors and timeouts. */
  readonly transportErrors: number;
}

export interface StepResult {
  readonly runId: string;
  /** Step name, e.g. `warmup` or `step-2-100pct`. */
  readonly step: string;
  readonly workerId: string;
  /** Requests per second this worker was asked to send. */
  readonly targetRate: number;
  readonly startedAt: string;
  readonly endedAt: string;
  readonly outcomes: OutcomeCounts;
  /** Latency of every response (any status) in µs, HDR compressed base64. */
  readonly histogram: string;
}

export function stepResultKey(result: Pick<StepResult, 'runId' | 'step' | 'workerId'>): string {
  return `${result.runId}/${result.step}/${result.workerId}.json`;
}

const OUTCOME_FIELDS = ['ok2xx', 'other3xx4xx', 'rateLimited', 'server5xx', 'transportErrors'] as const;
const STRING_FIELDS = ['runId', 'step', 'workerId', 'startedAt', 'endedAt', 'histogram'] as const;

/** Parses a stored result, naming the object and the field when it is not one. */
export function parseStepResult(text: string, source: string): StepResult {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`${source}: not JSON (${(error as Error).message})`);
  }
  for (const field of STRING_FIELDS) {
    if (typeof value?.[field] !== 'string') throw new Error(`${source}: ${field} must be a string`);
  }
  if (!(typeof value.targetRate === 'number' && value.targetRate > 0)) throw new Error(`${source}: targetRate must be a positive number`);
  for (const field of ['startedAt', 'endedAt'] as const) {
    if (Number.isNaN(Date.parse(value[field] as string))) throw new Error(`${source}: ${field} must be an ISO timestamp`);
  }
  const outcomes = value.outcomes as Record<string, unknown> | undefined;
  for (const field of OUTCOME_FIELDS) {
    const count = outcomes?.[field];
    if (!(typeof count === 'number' && Number.isInteger(count) && count >= 0)) throw new Error(`${source}: outcomes.${field} must be a count`);
  }
  return value as unknown as StepResult;
}
