/** DB_SECRET_ARN parsing: which secret the pool's password follows, and the combinations refused. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../app/src/config';

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:bulwark-db-AbCdEf';
const ecsFields = { DB_HOST: 'db.cluster-x.eu-west-1.rds.amazonaws.com', DB_USERNAME: 'app', DB_PASSWORD: 'pw', DB_SSL: 'disable' };

describe('DB_SECRET_ARN', () => {
  it('unset: no secret is followed', () => {
    expect(loadConfig(ecsFields).database).not.toHaveProperty('credentialsSecret');
  });

  it('set: the secret ARN and its region (the SDK client is made for that region)', () => {
    expect(loadConfig({ ...ecsFields, DB_SECRET_ARN: SECRET_ARN }).database).toMatchObject({
      password: 'pw',
      credentialsSecret: { arn: SECRET_ARN, region: 'eu-west-1' },
    });
    const govCloud = 'arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:db-AbCdEf';
    expect(loadConfig({ ...ecsFields, DB_SECRET_ARN: govCloud }).database).toMatchObject({ credentialsSecret: { region: 'us-gov-west-1' } });
  });

  it.each([
    ['a secret name instead of an ARN', { ...ecsFields, DB_SECRET_ARN: 'bulwark-db' }, /DB_SECRET_ARN must be a Secrets Manager secret ARN/],
    ['another service', { ...ecsFields, DB_SECRET_ARN: 'arn:aws:ssm:eu-west-1:123456789012:parameter/db' }, /DB_SECRET_ARN must be/],
    ['DATABASE_URL (its password would win)', { DATABASE_URL: 'postgres://u:p@h/db', DB_SSL: 'disable', DB_SECRET_ARN: SECRET_ARN }, /DB_SECRET_ARN needs the DB_\* fields/],
    ['no database at all', { DB_SECRET_ARN: SECRET_ARN }, /DB_SECRET_ARN needs the DB_\* fields/],
  ])('rejects %s', (_name, env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
