/**
 * Latency histograms: one HDR histogram per worker and step, serialized in HDR's compressed
 * encoding so every recorded value survives the trip through S3. Percentiles of a fleet
 * come from merging those histograms, never from averaging each worker's percentiles: the
 * average of two p99s is not the p99 of the union (a slow worker's tail would be halved).
 */
import * as hdr from 'hdr-histogram-js';

/** Latencies are recorded in microseconds; ms figures are derived when reporting. */
export const MICROS_PER_MS = 1000;
/** One hour, in microseconds: anything slower is clamped (a request that slow is a failure anyway). */
const HIGHEST_TRACKABLE_MICROS = 3_600_000_000;

export type LatencyHistogram = hdr.Histogram;

/** An empty histogram with 3 significant digits (0.1 % value precision) from 1 µs to an hour. */
export function createLatencyHistogram(): LatencyHistogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_TRACKABLE_MICROS,
    numberOfSignificantValueDigits: 3,
    bitBucketSize: 64,
    useWebAssembly: false,
  });
}

/** Records one response time given in milliseconds (as autocannon reports it). */
export function recordMs(histogram: LatencyHistogram, milliseconds: number): void {
  const micros = Math.round(milliseconds * MICROS_PER_MS);
  histogram.recordValue(Math.min(HIGHEST_TRACKABLE_MICROS, Math.max(1, micros)));
}

export function encodeHistogram(histogram: LatencyHistogram): string {
  return hdr.encodeIntoCompressedBase64(histogram);
}

/** Decodes what {@link encodeHistogram} wrote; throws, saying so, on anything else. */
export function decodeHistogram(encoded: string): LatencyHistogram {
  try {
    return hdr.decodeFromCompressedBase64(encoded, 64, false);
  } catch (error) {
    throw new Error(`not an HDR histogram in compressed base64: ${(error as Error).message}`);
  }
}

/** One histogram holding every value of `histograms` (which are left unchanged). */
export function mergeHistograms(histograms: readonly LatencyHistogram[]): LatencyHistogram {
  const merged = createLatencyHistogram();
  for (const histogram of histograms) merged.add(histogram);
  return merged;
}

export interface LatencySummary {
  readonly count: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
}

const toMs = (micros: number) => Math.round((micros / MICROS_PER_MS) * 100) / 100;

export function summarize(histogram: LatencyHistogram): LatencySummary {
  // Every figure (max too) is read from the buckets, so a decoded copy reports what the original did.
  const at = (percentile: number) => toMs(histogram.getValueAtPercentile(percentile));
  return { count: histogram.totalCount, p50Ms: at(50), p90Ms: at(90), p99Ms: at(99), p999Ms: at(99.9), maxMs: at(100) };
}
