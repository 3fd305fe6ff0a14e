/**
 * app/src/db/credentials.ts to the letter, beside credentials.test.ts (which checks the
 * behaviour with patterns): each log line's exact message and fields, every shape of an
 * unusable secret, the username rule (absent or equal is fine, another or a non-string is
 * not), the refresh interval's bounds (option, default, Date.now as the default clock),
 * and the single flight handing every caller the same promise. Secrets Manager is mocked.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_MIN_REFRESH_INTERVAL_MS } from '../../app/src/db/credentials';
import { recordingCredentials, SECRET_ARN } from './credentials-support';

const refused = Object.assign(new Error('password authentication failed for user "app"'), { code: '28P01' });

const secretsManager = mockClient(SecretsManagerClient);
beforeEach(() => secretsManager.reset());
afterAll(() => secretsManager.restore());

const provider = recordingCredentials;

const UNUSABLE = 'database password refused; the secret is unusable, keeping the current password';

describe('RotatingCredentials, exactly', () => {
  it('the default interval is 10 s', () => {
    expect(DEFAULT_MIN_REFRESH_INTERVAL_MS).toBe(10_000);
  });

  it('a new password: adopted, one info line naming the secret only', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ username: 'app', password: 'new-password' }) });
    const { credentials, lines } = provider();
    await credentials.connectionFailed(refused);
    expect(await credentials.password()).toBe('new-password');
    expect(lines).toEqual([{ level: 'info', obj: { secretId: SECRET_ARN }, msg: 'database password refused; new password read from the secret' }]);
  });

  it.each([
    ['no SecretString', {}, 'the secret has no SecretString'],
    ['text that is not JSON', { SecretString: '{password: new}' }, 'the SecretString is not JSON'],
    ['JSON null', { SecretString: 'null' }, 'the secret has no "password" string field'],
    ['a JSON string', { SecretString: '"new-password"' }, 'the secret has no "password" string field'],
    ['an empty password', { SecretString: JSON.stringify({ password: '' }) }, 'the secret has no "password" string field'],
    ['a numeric password', { SecretString: JSON.stringify({ password: 12345 }) }, 'the secret has no "password" string field'],
    ['a numeric username', { SecretString: JSON.stringify({ username: 42, password: 'new-password' }) }, 'the secret\'s "username" field is not a string'],
    ['a null username', { SecretString: JSON.stringify({ username: null, password: 'new-password' }) }, 'the secret\'s "username" field is not a string'],
  ])('a secret with %s: the exact problem, the password kept', async (_case, output, problem) => {
    secretsManager.on(GetSecretValueCommand).resolves(output);
    const { credentials, lines } = provider();
    await credentials.connectionFailed(refused);
    expect(await credentials.password()).toBe('old-password');
    expect(lines).toEqual([{ level: 'warn', obj: { secretId: SECRET_ARN, problem }, msg: UNUSABLE }]);
  });

  it('a secret without a username field is adopted', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ password: 'new-password', engine: 'postgres' }) });
    const { credentials } = provider();
    await credentials.connectionFailed(refused);
    expect(await credentials.password()).toBe('new-password');
  });

  it('a secret naming another user: kept, and the exact line naming the configured user', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ username: 'app_clone', password: 'clone-password' }) });
    const { credentials, lines } = provider();
    await credentials.connectionFailed(refused);
    expect(await credentials.password()).toBe('old-password');
    expect(lines).toEqual([
      {
        level: 'warn',
        obj: { secretId: SECRET_ARN, user: 'app' },
        msg: 'database password refused; the secret names another user, which needs a new task (only single-user rotation is followed)',
      },
    ]);
  });

  it('the same password: the exact line with the interval to wait, for a configured interval', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ password: 'old-password' }) });
    const { credentials, lines } = provider({ minRefreshIntervalMs: 2_500 });
    await credentials.connectionFailed(refused);
    expect(lines).toEqual([
      { level: 'warn', obj: { secretId: SECRET_ARN, retryAfterMs: 2_500 }, msg: 'database password refused; the secret still holds the same password' },
    ]);
  });

  it('a failed read: the exact line with the error’s name and message only', async () => {
    const failure = Object.assign(new Error('connect ETIMEDOUT'), { name: 'TimeoutError', $metadata: { httpStatusCode: 500 } });
    secretsManager.on(GetSecretValueCommand).rejects(failure);
    const { credentials, lines } = provider();
    await expect(credentials.connectionFailed(refused)).resolves.toBeUndefined();
    expect(lines).toEqual([
      {
        level: 'warn',
        obj: { secretId: SECRET_ARN, err: { name: 'TimeoutError', message: 'connect ETIMEDOUT' } },
        msg: 'database password refused; reading the secret failed, keeping the current password',
      },
    ]);
  });

  it('reads GetSecretValue for the configured secret id', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ password: 'new-password' }) });
    const { credentials } = provider({ secretId: 'bulwark/db' });
    await credentials.connectionFailed(refused);
    expect(secretsManager.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input)).toEqual([{ SecretId: 'bulwark/db' }]);
  });

  it('a configured interval: no read before it has passed since the last, one at it', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ password: 'old-password' }) });
    const clock = { now: 5_000 };
    const { credentials } = provider({ minRefreshIntervalMs: 1_000, now: () => clock.now });
    await credentials.connectionFailed(refused);
    clock.now += 999;
    await credentials.connectionFailed(refused);
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    clock.now += 1;
    await credentials.connectionFailed(refused);
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('the first refusal reads at once, whatever the clock says (even 0)', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ password: 'new-password' }) });
    const { credentials } = provider({ now: () => 0, minRefreshIntervalMs: 1_000_000 });
    await credentials.connectionFailed(refused);
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  describe('without a clock option', () => {
    afterEach(() => vi.useRealTimers());

    it('uses Date.now', async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(1_000_000);
      secretsManager.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ password: 'old-password' }) });
      const { credentials } = provider({ now: undefined });
      await credentials.connectionFailed(refused);
      vi.setSystemTime(1_000_000 + DEFAULT_MIN_REFRESH_INTERVAL_MS - 1);
      await credentials.connectionFailed(refused);
      expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
      vi.setSystemTime(1_000_000 + DEFAULT_MIN_REFRESH_INTERVAL_MS);
      await credentials.connectionFailed(refused);
      expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    });
  });

  it('single flight: every refusal during a read gets the read’s own promise; after it, a new read may start', async () => {
    let answer!: (value: { SecretString: string }) => void;
    secretsManager.on(GetSecretValueCommand).callsFake(() => new Promise((resolve) => (answer = resolve)));
    const clock = { now: 0 };
    const { credentials } = provider({ now: () => clock.now, minRefreshIntervalMs: 1 });
    const first = credentials.connectionFailed(refused);
    const second = credentials.connectionFailed(refused);
    expect(second).toBe(first);
    await vi.waitFor(() => expect(answer).toBeTypeOf('function'), { timeout: 5_000 });
    answer({ SecretString: JSON.stringify({ password: 'new-password' }) });
    await first;
    clock.now = 10;
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ password: 'newer-password' }) });
    const third = credentials.connectionFailed(refused);
    expect(third).not.toBe(first);
    await third;
    expect(await credentials.password()).toBe('newer-password');
  });

  it('an error other than 28P01 resolves at once without a read', async () => {
    const { credentials } = provider();
    for (const error of [Object.assign(new Error('x'), { code: '28000' }), new Error('Connection terminated'), undefined]) {
      await expect(credentials.connectionFailed(error)).resolves.toBeUndefined();
    }
    expect(secretsManager.calls()).toHaveLength(0);
  });
});
