import { vi } from 'vitest';

/** A CloudWatch Embedded Metric Format document as a function printed it. */
export interface EmfDocument {
  readonly _aws: {
    readonly Timestamp: number;
    readonly CloudWatchMetrics: { readonly Namespace: string; readonly Dimensions: string[][]; readonly Metrics: { Name: string; Unit: string }[] }[];
  };
  readonly [key: string]: unknown;
}

/** A Powertools Logger line. */
export interface LogLine {
  readonly level: string;
  readonly message: string;
  readonly [key: string]: unknown;
}

export interface CapturedOutput {
  /** Every JSON line written to stdout or stderr, in order. */
  lines(): Record<string, unknown>[];
  emf(): EmfDocument[];
  logs(): LogLine[];
  clear(): void;
}

/**
 * Captures what the functions print, as Lambda would ship it to CloudWatch Logs: Powertools
 * writes metrics and logs through its own `Console` on process.stdout/stderr. Restore with
 * `vi.restoreAllMocks()`.
 */
export function captureOutput(): CapturedOutput {
  let text = '';
  const capture = (chunk: string | Uint8Array) => {
    text += String(chunk);
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  const lines = () =>
    text
      .split('\n')
      // Node's own warnings (the SDK's Node version notice) share stderr and are not JSON.
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return {
    lines,
    emf: () => lines().filter((line) => '_aws' in line) as unknown as EmfDocument[],
    logs: () => lines().filter((line) => 'level' in line && !('_aws' in line)) as unknown as LogLine[],
    clear: () => {
      text = '';
    },
  };
}
