/**
 * Each worker's own users, registered through the public API (POST /v1/users) exactly as a
 * client would, each with one note to read back. The app's per-token limit is per minute,
 * so a worker spreads its rate over enough tokens that none of them reaches it.
 */
export interface LoadUser {
  readonly token: string;
  readonly noteIds: readonly string[];
}

/** Never more than this share of the per-token limit is sent on one token. */
const PER_TOKEN_UTILISATION = 0.5;
const PROVISION_CONCURRENCY = 10;
const MAX_ATTEMPTS = 5;
const MAX_RETRY_WAIT_MS = 10_000;

/** Tokens a worker needs so that `ratePerSecond` stays at half of the per-token limit. */
export function usersNeeded(ratePerSecond: number, perUserLimitPerMinute: number): number {
  return Math.max(1, Math.ceil(ratePerSecond / ((perUserLimitPerMinute / 60) * PER_TOKEN_UTILISATION)));
}

type Fetch = typeof fetch;

/** POST JSON; a 429 or 503 is retried after its Retry-After (bounded), anything else non-2xx throws. */
async function postJson(fetchImpl: Fetch, url: string, body: unknown, token?: string): Promise<Record<string, unknown>> {
  for (let attempt = 1; ; attempt++) {
    const response = await fetchImpl(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    if (response.ok) return (await response.json()) as Record<string, unknown>;
    const retryable = response.status === 429 || response.status === 503;
    if (!retryable || attempt >= MAX_ATTEMPTS) {
      throw new Error(`POST ${url} answered ${response.status} (attempt ${attempt}): ${(await response.text()).slice(0, 200)}`);
    }
    await response.body?.cancel();
    const retryAfterMs = Number(response.headers.get('retry-after') ?? '1') * 1000;
    await new Promise((resolve) => setTimeout(resolve, Math.min(MAX_RETRY_WAIT_MS, retryAfterMs || 1000)));
  }
}

async function provisionOne(fetchImpl: Fetch, baseUrl: string, email: string): Promise<LoadUser> {
  const user = await postJson(fetchImpl, `${baseUrl}/v1/users`, { email });
  const token = user.token;
  if (typeof token !== 'string') throw new Error(`POST ${baseUrl}/v1/users returned no token`);
  const note = await postJson(fetchImpl, `${baseUrl}/v1/notes`, { title: 'load test', body: 'read back by the load generator' }, token);
  if (typeof note.id !== 'string') throw new Error(`POST ${baseUrl}/v1/notes returned no id`);
  return { token, noteIds: [note.id] };
}

/**
 * Registers `count` users named after the run and worker (so a run's users can be found
 * and removed afterwards), a few at a time.
 */
export async function provisionUsers(baseUrl: string, count: number, namePrefix: string, fetchImpl: Fetch = fetch): Promise<LoadUser[]> {
  const users: LoadUser[] = [];
  for (let start = 0; start < count; start += PROVISION_CONCURRENCY) {
    const batch = Array.from({ length: Math.min(PROVISION_CONCURRENCY, count - start) }, (_, i) => `${namePrefix}-${start + i}@loadtest.example.com`);
    users.push(...(await Promise.all(batch.map((email) => provisionOne(fetchImpl, baseUrl, email)))));
  }
  return users;
}
