import type { AddressFamily } from './cidr';
import { DEFAULT_METRIC_NAMESPACE } from './metric-names';

/**
 * Environment variable names, exported so the CDK construct that deploys the function
 * sets exactly the names read here.
 */
export const IP_SET_SYNC_ENVIRONMENT = {
  blocklistSource: 'BLOCKLIST_SOURCE',
  reputationListUrls: 'REPUTATION_LIST_URLS',
  ipv4SetName: 'IPV4_SET_NAME',
  ipv4SetId: 'IPV4_SET_ID',
  ipv6SetName: 'IPV6_SET_NAME',
  ipv6SetId: 'IPV6_SET_ID',
  ipSetScope: 'IP_SET_SCOPE',
  maxEntries: 'MAX_ENTRIES',
  maxShrinkFraction: 'MAX_SHRINK_FRACTION',
  fetchTimeoutMs: 'FETCH_TIMEOUT_MS',
  maxSourceBytes: 'MAX_SOURCE_BYTES',
  metricNamespace: 'METRIC_NAMESPACE',
  stage: 'STAGE',
  allowInsecureLocalhostSources: 'ALLOW_INSECURE_LOCALHOST_SOURCES',
} as const;

const ENV = IP_SET_SYNC_ENVIRONMENT;

/** WAF's quota of addresses and ranges per IP set. */
export const WAF_IP_SET_ADDRESS_LIMIT = 10_000;
export const DEFAULT_MAX_SHRINK_FRACTION = 0.25;
export const DEFAULT_FETCH_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_SOURCE_BYTES = 5 * 1024 * 1024;
/** More URLs than this is almost certainly a configuration mistake, and each one is a way to fail the run. */
export const MAX_REPUTATION_LISTS = 20;

export type BlocklistSource =
  | { readonly kind: 'ssm'; readonly parameterName: string }
  | { readonly kind: 's3'; readonly bucket: string; readonly key: string };

export type IpSetScope = 'REGIONAL' | 'CLOUDFRONT';

export interface IpSetRef {
  readonly name: string;
  readonly id: string;
  readonly scope: IpSetScope;
}

export interface SyncConfig {
  readonly blocklistSource: BlocklistSource;
  readonly reputationListUrls: readonly string[];
  readonly ipSets: Readonly<Record<AddressFamily, IpSetRef>>;
  readonly maxEntries: number;
  readonly maxShrinkFraction: number;
  readonly fetchTimeoutMs: number;
  readonly maxSourceBytes: number;
  readonly metricNamespace: string;
  readonly stage: string;
  /** Test-only: allows http:// reputation URLs on the loopback interface. */
  readonly allowInsecureLocalhostSources: boolean;
}

type Environment = Readonly<Record<string, string | undefined>>;

const SSM_PARAMETER_NAME = /^\/[a-zA-Z0-9_.\-/]{1,1010}$/;
const S3_URI = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.+)$/;
const WAF_ENTITY_NAME = /^[\w-]{1,128}$/;
const WAF_ENTITY_ID = /^[0-9a-f-]{1,36}$/;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

function required(env: Environment, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new Error(`${name} is required`);
  return value;
}

function matching(env: Environment, name: string, pattern: RegExp, description: string): string {
  const value = required(env, name);
  if (!pattern.test(value)) throw new Error(`${name} must be ${description}, got "${value}"`);
  return value;
}

function numberBetween(env: Environment, name: string, fallback: number, min: number, max: number, integer: boolean): number {
  const text = env[name]?.trim();
  if (!text) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min || value > max) {
    throw new Error(`${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got "${text}"`);
  }
  return value;
}

function parseBlocklistSource(env: Environment): BlocklistSource {
  const value = required(env, ENV.blocklistSource);
  if (SSM_PARAMETER_NAME.test(value)) return { kind: 'ssm', parameterName: value };
  const s3 = S3_URI.exec(value);
  if (s3) return { kind: 's3', bucket: s3[1], key: s3[2] };
  throw new Error(`${ENV.blocklistSource} must be an SSM parameter name starting with "/" or an "s3://bucket/key" URI, got "${value}"`);
}

/** Exported for the construct: throws the same error a deployment would hit at cold start. */
export function validateReputationListUrl(url: string, allowInsecureLocalhost: boolean): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`${ENV.reputationListUrls} contains an invalid URL: "${url}"`);
  }
  if (parsed.username || parsed.password) {
    throw new Error(`${ENV.reputationListUrls} URLs must not contain credentials: "${parsed.host}"`);
  }
  if (parsed.protocol === 'https:') return;
  if (parsed.protocol === 'http:' && allowInsecureLocalhost && LOOPBACK_HOSTS.has(parsed.hostname)) return;
  throw new Error(`${ENV.reputationListUrls} URLs must use https: "${url}"`);
}

function parseReputationListUrls(env: Environment, allowInsecureLocalhost: boolean): string[] {
  const text = env[ENV.reputationListUrls]?.trim();
  if (!text) return [];
  let urls: unknown;
  try {
    urls = JSON.parse(text);
  } catch {
    throw new Error(`${ENV.reputationListUrls} must be a JSON array of URLs`);
  }
  if (!Array.isArray(urls) || !urls.every((url): url is string => typeof url === 'string')) {
    throw new Error(`${ENV.reputationListUrls} must be a JSON array of URLs`);
  }
  if (urls.length > MAX_REPUTATION_LISTS) {
    throw new Error(`${ENV.reputationListUrls} may list at most ${MAX_REPUTATION_LISTS} URLs, got ${urls.length}`);
  }
  if (new Set(urls).size !== urls.length) throw new Error(`${ENV.reputationListUrls} lists a URL twice`);
  for (const url of urls) validateReputationListUrl(url, allowInsecureLocalhost);
  return urls;
}

function parseScope(env: Environment): IpSetScope {
  const value = env[ENV.ipSetScope]?.trim() || 'REGIONAL';
  if (value !== 'REGIONAL' && value !== 'CLOUDFRONT') {
    throw new Error(`${ENV.ipSetScope} must be REGIONAL or CLOUDFRONT, got "${value}"`);
  }
  return value;
}

function parseFlag(env: Environment, name: string): boolean {
  const value = env[name]?.trim();
  if (!value || value === 'false') return false;
  if (value === 'true') return true;
  throw new Error(`${name} must be "true" or "false", got "${value}"`);
}

/** Reads and validates the whole environment once, at cold start; every error names its variable. */
export function loadConfig(env: Environment): SyncConfig {
  const allowInsecureLocalhostSources = parseFlag(env, ENV.allowInsecureLocalhostSources);
  const scope = parseScope(env);
  const ipSet = (nameVariable: string, idVariable: string): IpSetRef => ({
    name: matching(env, nameVariable, WAF_ENTITY_NAME, 'a WAF IP set name (letters, digits, "_" and "-")'),
    id: matching(env, idVariable, WAF_ENTITY_ID, 'a WAF IP set id'),
    scope,
  });
  return {
    blocklistSource: parseBlocklistSource(env),
    reputationListUrls: parseReputationListUrls(env, allowInsecureLocalhostSources),
    ipSets: { IPv4: ipSet(ENV.ipv4SetName, ENV.ipv4SetId), IPv6: ipSet(ENV.ipv6SetName, ENV.ipv6SetId) },
    maxEntries: numberBetween(env, ENV.maxEntries, WAF_IP_SET_ADDRESS_LIMIT, 1, WAF_IP_SET_ADDRESS_LIMIT, true),
    maxShrinkFraction: numberBetween(env, ENV.maxShrinkFraction, DEFAULT_MAX_SHRINK_FRACTION, 0, 1, false),
    fetchTimeoutMs: numberBetween(env, ENV.fetchTimeoutMs, DEFAULT_FETCH_TIMEOUT_MS, 100, 120_000, true),
    maxSourceBytes: numberBetween(env, ENV.maxSourceBytes, DEFAULT_MAX_SOURCE_BYTES, 1024, 50 * 1024 * 1024, true),
    metricNamespace: env[ENV.metricNamespace]?.trim() || DEFAULT_METRIC_NAMESPACE,
    stage: matching(env, ENV.stage, /^[a-zA-Z0-9_-]{1,64}$/, 'a stage name'),
    allowInsecureLocalhostSources,
  };
}
