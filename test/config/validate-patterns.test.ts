import { describe, expect, it } from 'vitest';
import { findConfigProblems, STAGES, type StageConfig } from '../../lib/config';

// validate.ts's patterns are module-level constants: both ends anchored, and the character
// classes AWS allows. Each row sets one field of prod and says whether its rule accepts it.

/** The problems of prod with `path` (e.g. `dns.hostedZoneId`) set to `value`, about that field only. */
function fieldProblems(path: string, value: string): string[] {
  const config = structuredClone(STAGES.prod) as unknown as Record<string, unknown>;
  const keys = path.split('.');
  const parent = keys.slice(0, -1).reduce<Record<string, unknown>>((node, key) => node[key] as Record<string, unknown>, config);
  parent[keys[keys.length - 1]] = value;
  return findConfigProblems(config as unknown as StageConfig).filter((problem) => problem.startsWith(`${path} must`));
}

const CERTIFICATE = 'certificate/12345678-1234-1234-1234-123456789012';
const OIDC = 'oidc-provider/token.actions.githubusercontent.com';

const ACCEPTED: ReadonlyArray<[field: string, value: string]> = [
  ['backupRegion', 'us-iso-east-1'],
  ['backupRegion', 'us-isob-east-1'],
  ['dns.domainName', 'a.example.com'],
  ['dns.certificateArn', `arn:aws-cn:acm:eu-west-1:222222222222:${CERTIFICATE}`],
  ['network.cidr', '10.20.128.0/17'],
  ['database.preferredBackupWindow', '22:30-23:30'],
  ['database.preferredMaintenanceWindow', 'sun:22:30-sun:23:30'],
  ['ci.oidcProviderArn', `arn:aws:iam::222222222222:${OIDC}`],
  ['ci.oidcProviderArn', `arn:aws-cn:iam::222222222222:${OIDC}`],
];

const REFUSED: ReadonlyArray<[field: string, value: string]> = [
  ['account', 'x222222222222'],
  ['account', '222222222222x'],
  ['backupRegion', 'xeu-central-1'],
  ['backupRegion', 'eu-central-1x'],
  ['observability.alarmEmail', 'on call@example.com'],
  ['observability.alarmEmail', 'oncall@example.com x'],
  ['dns.domainName', 'api.example.c0m'],
  ['dns.domainName', `${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.example.com`],
  ['dns.hostedZoneId', 'AZ0000000000000PROD001'],
  ['dns.hostedZoneId', 'Z0000000000000PROD001-'],
  ['prefix', '1Bulwark'],
  ['network.cidr', 'x10.20.0.0/16'],
  ['network.cidr', '10.20.0.0/16x'],
  ['database.preferredBackupWindow', 'x02:00-03:00'],
  ['database.preferredBackupWindow', '02:00-03:00x'],
  ['database.preferredMaintenanceWindow', 'xsun:04:00-sun:05:00'],
  ['database.preferredMaintenanceWindow', 'sun:04:00-sun:05:00x'],
  ['ci.repository', '-example-org/bulwark'],
  ['ci.repository', 'example-org/bulwark app'],
  ['ci.oidcProviderArn', `xarn:aws:iam::222222222222:${OIDC}`],
  ['ci.oidcProviderArn', `arn:aws:iam::222222222222:${OIDC}/x`],
];

describe('validate.ts patterns', () => {
  it.each(ACCEPTED)('accept %s = %s', (field, value) => {
    expect(fieldProblems(field, value)).toEqual([]);
  });

  it.each(REFUSED)('refuse %s = %s', (field, value) => {
    expect(fieldProblems(field, value)).toHaveLength(1);
  });
});
