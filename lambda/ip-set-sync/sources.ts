import type { Logger } from '@aws-lambda-powertools/logger';
import { ParameterNotFoundError } from '@aws-lambda-powertools/parameters/errors';
import type { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Cidr } from './cidr';
import { validateReputationListUrl, type BlocklistSource } from './config';
import { parseEntryList } from './list-parser';

/**
 * A source with more than this fraction of invalid entries fails: the feed changed format
 * or an error page came back with status 200, and what parsed is not a trustworthy view.
 */
export const MAX_REJECTED_FRACTION = 0.1;

export type SourceKind = 'operator' | 'reputation';

export interface SourceResult {
  /** The SSM parameter name, s3:// URI or URL: never secret. */
  readonly name: string;
  readonly kind: SourceKind;
  readonly cidrs: Cidr[];
  readonly rejectedCount: number;
  readonly rejectedSamples: string[];
  /** Set when the source failed; its entries must then not be used. */
  readonly error?: string;
}

export interface SourceClients {
  /** Powertools Parameters over the function's SSM client. */
  readonly ssm?: Pick<SSMProvider, 'get'>;
  readonly s3?: Pick<S3Client, 'send'>;
}

export interface FetchOptions {
  readonly fetch: typeof globalThis.fetch;
  readonly timeoutMs: number;
  readonly maxBytes: number;
  readonly allowInsecureLocalhost: boolean;
}

function tooLarge(maxBytes: number): Error {
  return new Error(`larger than the ${maxBytes}-byte cap`);
}

export function describeBlocklistSource(source: BlocklistSource): string {
  return source.kind === 'ssm' ? `ssm:${source.parameterName}` : `s3://${source.bucket}/${source.key}`;
}

/**
 * Reads the operator blocklist text from an SSM parameter (String, StringList, or SecureString
 * under a key the function may use) or an S3 object. A parameter that does not exist is an
 * empty operator blocklist, not a failure: on a fresh deployment nobody has blocked anything
 * yet, and the reputation lists must still be synced.
 */
export async function readBlocklistText(source: BlocklistSource, clients: SourceClients, maxBytes: number, logger: Pick<Logger, 'info'>): Promise<string> {
  if (source.kind === 'ssm') {
    if (!clients.ssm) throw new Error('no SSM client');
    try {
      // forceFetch: every run must see the operator's latest edit, and runs are minutes
      // apart, so Powertools' cache could only ever serve a stale list.
      return await clients.ssm.get(source.parameterName, { decrypt: true, forceFetch: true, throwOnMissing: true });
    } catch (error) {
      if (!(error instanceof ParameterNotFoundError)) throw error;
      logger.info('the blocklist parameter does not exist: the operator blocklist is empty', { parameterName: source.parameterName });
      return '';
    }
  }
  if (!clients.s3) throw new Error('no S3 client');
  const object = await clients.s3.send(new GetObjectCommand({ Bucket: source.bucket, Key: source.key }));
  if (object.ContentLength !== undefined && object.ContentLength > maxBytes) throw tooLarge(maxBytes);
  if (!object.Body) throw new Error('object has no body');
  const text = await object.Body.transformToString('utf-8');
  if (Buffer.byteLength(text) > maxBytes) throw tooLarge(maxBytes);
  return text;
}

async function readCappedBody(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) throw tooLarge(maxBytes);
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    if (received > maxBytes) {
      await reader.cancel();
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf-8');
}

/** GETs a reputation list; the timeout covers the whole exchange, headers and body. */
export async function fetchReputationListText(url: string, options: FetchOptions): Promise<string> {
  const response = await options.fetch(url, {
    signal: AbortSignal.timeout(options.timeoutMs),
    headers: { accept: 'text/plain' },
  });
  try {
    // A redirect must not downgrade the transport.
    if (response.url) validateReputationListUrl(response.url, options.allowInsecureLocalhost);
  } catch {
    await response.body?.cancel();
    throw new Error('redirected to a URL that is not allowed');
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new Error(`HTTP ${response.status}`);
  }
  return readCappedBody(response, options.maxBytes);
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'timed out';
    return error.message || error.name;
  }
  return String(error);
}

/**
 * Loads one source and judges it. A reputation list that yields no entries fails: those
 * lists are never legitimately empty, so empty means a broken feed. The operator
 * blocklist may be empty (nothing to block).
 */
export async function loadSource(name: string, kind: SourceKind, readText: () => Promise<string>): Promise<SourceResult> {
  let text: string;
  try {
    text = await readText();
  } catch (error) {
    return { name, kind, cidrs: [], rejectedCount: 0, rejectedSamples: [], error: errorMessage(error) };
  }
  const parsed = parseEntryList(text);
  const result = { name, kind, cidrs: parsed.cidrs, rejectedCount: parsed.rejectedCount, rejectedSamples: parsed.rejectedSamples };
  if (parsed.rejectedCount > parsed.entryCount * MAX_REJECTED_FRACTION) {
    return { ...result, cidrs: [], error: `${parsed.rejectedCount} of ${parsed.entryCount} entries are not valid CIDRs` };
  }
  if (kind === 'reputation' && parsed.cidrs.length === 0) {
    return { ...result, error: 'no entries' };
  }
  return result;
}
