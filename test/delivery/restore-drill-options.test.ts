import { describe, expect, it } from 'vitest';
import { parseDrillOptions } from '../../scripts/restore-drill/options';

const parse = (argv: string[], file = '{}') => parseDrillOptions(argv, () => file);

describe('restore drill options', () => {
  it('takes the backup region, copier tag, key and database from --stage', () => {
    expect(parse(['--stage', 'prod'])).toMatchObject({
      backupRegion: 'eu-central-1',
      managedByTagValue: 'bulwark-prod-copy-copier',
      kmsKeyId: 'alias/bulwark-prod-backup-copies',
      drillIdPrefix: 'bulwark-prod',
      databaseName: 'bulwark',
      instanceClass: 'db.serverless',
      timeoutMinutes: 90,
      keep: false,
      compareSource: false,
      minSourceFraction: 0.9,
    });
  });

  it('works without a stage given the region and the tag', () => {
    expect(parse(['--backup-region', 'us-east-2', '--managed-by', 'x-copier', '--tables', 'users, notes', '--security-group-ids', 'sg-0123456789abcdef0'])).toMatchObject({
      backupRegion: 'us-east-2',
      kmsKeyId: undefined,
      drillIdPrefix: 'bulwark',
      databaseName: 'postgres',
      tables: ['users', 'notes'],
      vpcSecurityGroupIds: ['sg-0123456789abcdef0'],
    });
  });

  it('reads expected minimums', () => {
    expect(parse(['--stage', 'dev', '--expected', 'm.json'], '{"users": 1, "public.notes": 0}').expectedMinimums).toEqual({ users: 1, 'public.notes': 0 });
  });

  it.each([
    [[], /--backup-region: is required without --stage/],
    [['--backup-region', 'eu-central-1'], /--managed-by: is required without --stage/],
    [['--stage', 'nope'], /--stage: Unknown stage "nope"/],
    [['--stage', 'prod', '--backup-region', 'eu-west-1'], /--backup-region: must not be the primary region/],
    [['--stage', 'prod', '--backup-region', 'Frankfurt'], /--backup-region: "Frankfurt" is not an AWS region name/],
    [['--stage', 'prod', '--timeout-minutes', '0'], /--timeout-minutes: must be a whole number/],
    [['--stage', 'prod', '--instance-class', 'r7g.large'], /--instance-class: "r7g.large" is not a DB instance class/],
    [['--stage', 'prod', '--tables', 'users;drop'], /--tables: "users;drop" is not a lower-case table name/],
    [['--stage', 'prod', '--security-group-ids', 'default'], /--security-group-ids: "default" is not a security group id/],
    [['--stage', 'prod', '--bogus'], /Unknown option '--bogus'/],
    [['--stage', 'prod', '--min-source-fraction', '0.5'], /--min-source-fraction: requires --compare-source/],
    [['--stage', 'prod', '--compare-source', '--min-source-fraction', '1.5'], /--min-source-fraction: must be a number in \(0, 1\]/],
    [['--stage', 'prod', '--compare-source', '--skip-row-counts'], /--compare-source: cannot be combined with --skip-row-counts/],
  ])('rejects %j naming the option', (argv, message) => {
    expect(() => parse(argv)).toThrow(message);
  });

  it.each([
    ['[1]', /must hold a JSON object/],
    ['{"users": -1}', /minimum for "users" in m.json must be a whole number >= 0/],
    ['{"Users": 1}', /"Users" in m.json is not a lower-case table name/],
    ['not json', /--expected: cannot read m.json as JSON/],
  ])('rejects the expected-minimums file %s', (file, message) => {
    expect(() => parse(['--stage', 'prod', '--expected', 'm.json'], file)).toThrow(message);
  });
});
