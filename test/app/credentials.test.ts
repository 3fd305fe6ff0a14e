/**
 * The rotating-credentials provider against a mocked Secrets Manager client: which
 * failures re-read the secret, how often, and what happens when the secret is unusable.
 */
import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_MIN_REFRESH_INTERVAL_MS } from '../../app/src/db/credentials';
import { recordingCredentials, SECRET_ARN } from './credentials-support';

const refused = Object.assign(new Error('password authentication failed for user "app"'), { code: '28P01' });

const secretsManager = mockClient(SecretsManagerClient);

function provider(clock = { now: 0 }) {
  return { ...recordingCredentials({ now: () => clock.now }), clock };
}

const secret = (fields: Record<string, unknown>) => ({ SecretString: JSON.stringify(fields) });

beforeEach(() => {
  secretsManager.reset();
});

describe('RotatingCredentials', () => {
  it('starts from the injected password without calling Secrets Manager', async () => {
    const { credentials } = provider();
    expect(await credentials.password()).toBe('old-password');
    expect(secretsManager.calls()).toHaveLength(0);
  });

  it('re-reads the secret on 28P01 only, and later connections get the new password', async () => {
    secretsManager.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves(secret({ username: 'app', password: 'new-password' }));
    const { credentials, lines } = provider();

    for (const error of [new Error('Connection terminated'), Object.assign(new Error('x'), { code: '08006' }), Object.assign(new Error('y'), { code: '28000' }), undefined]) {
      await credentials.connectionFailed(error);
    }
    expect(secretsManager.calls()).toHaveLength(0);
    expect(await credentials.password()).toBe('old-password');

    await credentials.connectionFailed(refused);
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(await credentials.password()).toBe('new-password');
    expect(lines).toEqual([expect.objectContaining({ level: 'info', obj: { secretId: SECRET_ARN } })]);
    expect(JSON.stringify(lines)).not.toContain('new-password');
  });

  it('single flight: 50 concurrent refusals cost one call, and a connection opened meanwhile waits for the result', async () => {
    let answer!: (value: { SecretString: string }) => void;
    secretsManager.on(GetSecretValueCommand).callsFake(() => new Promise((resolve) => (answer = resolve)));
    const { credentials } = provider();

    const refreshes = Array.from({ length: 50 }, () => credentials.connectionFailed(refused));
    const waiting = credentials.password();
    answer(secret({ password: 'new-password' }));
    await Promise.all(refreshes);

    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(await waiting).toBe('new-password');
  });

  it('reads at most once per interval, then again after it', async () => {
    secretsManager.on(GetSecretValueCommand).resolvesOnce(secret({ password: 'old-password' })).resolves(secret({ password: 'new-password' }));
    const { credentials, clock, lines } = provider();

    // Rotation changed the database first; AWSCURRENT still holds the old password.
    await credentials.connectionFailed(refused);
    expect(lines.at(-1)).toMatchObject({ level: 'warn', msg: expect.stringMatching(/still holds the same password/) });
    clock.now += DEFAULT_MIN_REFRESH_INTERVAL_MS - 1;
    await credentials.connectionFailed(refused);
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(await credentials.password()).toBe('old-password');

    clock.now += 1;
    await credentials.connectionFailed(refused);
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    expect(await credentials.password()).toBe('new-password');
  });

  it.each([
    ['not JSON', { SecretString: 'password=new' }, /not JSON/],
    ['no password field', secret({ username: 'app' }), /no "password"/],
    ['a non-string password', secret({ password: 42 }), /no "password"/],
    ['no SecretString', { SecretBinary: new Uint8Array([1]) }, /no SecretString/],
  ])('a secret with %s: keeps the old password and logs why, without the secret', async (_name, output, problem) => {
    secretsManager.on(GetSecretValueCommand).resolves(output);
    const { credentials, lines } = provider();

    await credentials.connectionFailed(refused);

    expect(await credentials.password()).toBe('old-password');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'warn', obj: { secretId: SECRET_ARN, problem: expect.stringMatching(problem) }, msg: expect.stringMatching(/secret is unusable, keeping the current password/) });
    expect(JSON.stringify(lines)).not.toContain('password=new');
  });

  it('a secret naming another user is not adopted', async () => {
    secretsManager.on(GetSecretValueCommand).resolves(secret({ username: 'app_clone', password: 'clone-password' }));
    const { credentials, lines } = provider();

    await credentials.connectionFailed(refused);

    expect(await credentials.password()).toBe('old-password');
    expect(lines[0]).toMatchObject({ level: 'warn', msg: expect.stringMatching(/another user/) });
  });

  it('an SDK error keeps the old password, never rejects, and the next refusal after the interval tries again', async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .rejectsOnce(new ResourceNotFoundException({ message: 'Secrets Manager can not find the specified secret.', $metadata: {} }))
      .resolves(secret({ password: 'new-password' }));
    const { credentials, lines, clock } = provider();

    await expect(credentials.connectionFailed(refused)).resolves.toBeUndefined();
    expect(await credentials.password()).toBe('old-password');
    expect(lines[0]).toMatchObject({ level: 'warn', obj: { err: { name: 'ResourceNotFoundException' } }, msg: expect.stringMatching(/reading the secret failed/) });

    clock.now += DEFAULT_MIN_REFRESH_INTERVAL_MS;
    await credentials.connectionFailed(refused);
    expect(await credentials.password()).toBe('new-password');
  });
});
