/**
 * A RotatingCredentials as the pool uses it, with every log line it writes kept for the
 * test, a fixed clock unless the test passes one, and the secret id the tests mock.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { RotatingCredentials, type RotatingCredentialsOptions } from '../../app/src/db/credentials';

export const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:bulwark-db-AbCdEf';

export interface LogLine {
  level: 'warn' | 'info';
  obj: object;
  msg: string;
}

export function recordingCredentials(options: Partial<RotatingCredentialsOptions> = {}): { credentials: RotatingCredentials; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const credentials = new RotatingCredentials({
    client: new SecretsManagerClient({ region: 'eu-west-1' }),
    secretId: SECRET_ARN,
    user: 'app',
    initialPassword: 'old-password',
    log: {
      warn: (obj, msg) => lines.push({ level: 'warn', obj, msg }),
      info: (obj, msg) => lines.push({ level: 'info', obj, msg }),
    },
    now: () => 0,
    ...options,
  });
  return { credentials, lines };
}
