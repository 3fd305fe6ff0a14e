import type { Logger } from '@aws-lambda-powertools/logger';
import type { WAFV2Client } from '@aws-sdk/client-wafv2';
import { ADDRESS_FAMILIES, formatCidr, splitByFamily, type AddressFamily, type Cidr } from './cidr';
import type { SyncConfig } from './config';
import { syncIpSet, type WriteStatus } from './ip-set-writer';
import { selectForIpSet } from './select';
import { describeBlocklistSource, fetchReputationListText, loadSource, readBlocklistText, type SourceClients, type SourceKind, type SourceResult } from './sources';

export interface SyncDependencies {
  readonly wafv2: Pick<WAFV2Client, 'send'>;
  readonly sourceClients: SourceClients;
  readonly fetch: typeof globalThis.fetch;
  readonly sleep: (ms: number) => Promise<void>;
  readonly logger: Pick<Logger, 'info'>;
}

export interface SourceSummary {
  readonly name: string;
  readonly kind: SourceKind;
  readonly entryCount: number;
  readonly rejectedCount: number;
  readonly rejectedSamples: string[];
  readonly error?: string;
}

export interface FamilyReport {
  readonly family: AddressFamily;
  readonly status: WriteStatus | 'failed';
  /** Entries in the set after the run; unknown when the write failed. */
  readonly entryCount?: number;
  readonly changes: number;
  readonly truncatedCount: number;
  readonly detail?: string;
}

export interface SyncReport {
  readonly sources: SourceSummary[];
  /** Empty when a source failed: then no IP set was read or written. */
  readonly families: FamilyReport[];
  readonly rejectedCount: number;
  /** One line per failed source or failed IP-set write. */
  readonly failures: string[];
}

function summarise(source: SourceResult): SourceSummary {
  const { name, kind, cidrs, rejectedCount, rejectedSamples, error } = source;
  return { name, kind, entryCount: cidrs.length, rejectedCount, rejectedSamples, ...(error ? { error } : {}) };
}

async function loadAllSources(config: SyncConfig, deps: SyncDependencies): Promise<SourceResult[]> {
  const fetchOptions = {
    fetch: deps.fetch,
    timeoutMs: config.fetchTimeoutMs,
    maxBytes: config.maxSourceBytes,
    allowInsecureLocalhost: config.allowInsecureLocalhostSources,
  };
  return Promise.all([
    loadSource(describeBlocklistSource(config.blocklistSource), 'operator', () =>
      readBlocklistText(config.blocklistSource, deps.sourceClients, config.maxSourceBytes, deps.logger),
    ),
    ...config.reputationListUrls.map((url) => loadSource(url, 'reputation', () => fetchReputationListText(url, fetchOptions))),
  ]);
}

function cidrsOf(sources: readonly SourceResult[], kind: SourceKind): Record<AddressFamily, Cidr[]> {
  return splitByFamily(sources.filter((source) => source.kind === kind).flatMap((source) => source.cidrs));
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * One sync run. If ANY source fails, neither IP set is touched: a partial view (say the
 * operator list without a reputation feed) would silently unblock addresses, and keeping
 * the last good list is the safe default. Otherwise each address family is collapsed,
 * capped and written independently, so a failure on one does not hold back the other.
 */
export async function syncIpSets(config: SyncConfig, deps: SyncDependencies): Promise<SyncReport> {
  const sources = await loadAllSources(config, deps);
  const summaries = sources.map(summarise);
  const rejectedCount = sources.reduce((total, source) => total + source.rejectedCount, 0);
  const sourceFailures = sources.filter((source) => source.error).map((source) => `source ${source.name}: ${source.error}`);
  if (sourceFailures.length > 0) return { sources: summaries, families: [], rejectedCount, failures: sourceFailures };

  const operator = cidrsOf(sources, 'operator');
  const reputation = cidrsOf(sources, 'reputation');
  const families: FamilyReport[] = [];
  const failures: string[] = [];
  for (const family of ADDRESS_FAMILIES) {
    const selection = selectForIpSet(operator[family], reputation[family], config.maxEntries);
    const desired = selection.cidrs.map(formatCidr);
    try {
      const outcome = await syncIpSet(deps.wafv2, config.ipSets[family], desired, { maxShrinkFraction: config.maxShrinkFraction, sleep: deps.sleep });
      families.push({
        family,
        status: outcome.status,
        entryCount: outcome.entryCount,
        changes: outcome.added + outcome.removed,
        truncatedCount: selection.truncatedCount,
        ...(outcome.refusal ? { detail: outcome.refusal } : {}),
      });
    } catch (error) {
      const detail = errorMessage(error);
      failures.push(`IP set ${config.ipSets[family].name} (${family}): ${detail}`);
      families.push({ family, status: 'failed', changes: 0, truncatedCount: selection.truncatedCount, detail });
    }
  }
  return { sources: summaries, families, rejectedCount, failures };
}
