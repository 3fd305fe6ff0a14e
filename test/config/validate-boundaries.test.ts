import { describe, expect, it } from 'vitest';
import { ConfigValidationError, findConfigProblems, STAGES, type StageConfig } from '../../lib/config';

// The edges of validate.ts's rules, each from both sides: the last value a rule accepts and
// the first it refuses. validate.test.ts shows that every rule refuses something; these show
// that it refuses no more and no less than AWS does, and that its message says so.

type Mutation = (config: StageConfig) => StageConfig;

/** The problems of prod with one change applied, keeping those about fields under `prefix`. */
function problemsOf(prefix: string, mutate: Mutation): string[] {
  return findConfigProblems(mutate(structuredClone(STAGES.prod))).filter((problem) => problem.startsWith(prefix));
}

const withService = (service: Partial<StageConfig['service']>): Mutation => (c) => ({ ...c, service: { ...c.service, ...service } });
const withDatabase = (database: Partial<StageConfig['database']>): Mutation => (c) => ({ ...c, database: { ...c.database, ...database } });
const withWaf = (waf: Partial<StageConfig['waf']>): Mutation => (c) => ({ ...c, waf: { ...c.waf, ...waf } });

describe('ConfigValidationError', () => {
  it('lists every problem under the stage it was found in, and is named for what it is', () => {
    const error = new ConfigValidationError('prod', ['service.cpu is wrong', 'dns.domainName is wrong']);
    expect(error.message).toBe('Invalid config for stage "prod":\n  - service.cpu is wrong\n  - dns.domainName is wrong');
    expect(error.name).toBe('ConfigValidationError');
    expect(error.problems).toEqual(['service.cpu is wrong', 'dns.domainName is wrong']);
  });
});

describe('Fargate task sizes', () => {
  // Fargate's table (AWS docs, "Task CPU and memory"): the memory range of each CPU size and
  // the step between sizes; 256 CPU units take only 512, 1024 or 2048 MiB.
  const SIZES: ReadonlyArray<[cpu: number, min: number, max: number, step: number]> = [
    [512, 1024, 4096, 1024],
    [1024, 2048, 8192, 1024],
    [2048, 4096, 16384, 1024],
    [4096, 8192, 30720, 1024],
    [8192, 16384, 61440, 4096],
    [16384, 32768, 122880, 8192],
  ];
  const memoryProblems = (cpu: number, memoryMiB: number) => problemsOf('service.memoryMiB', withService({ cpu, memoryMiB }));

  it.each(SIZES)('%s CPU units take %s to %s MiB in steps of %s', (cpu, min, max, step) => {
    for (const memoryMiB of [min, min + step, max]) expect(memoryProblems(cpu, memoryMiB), `${cpu}/${memoryMiB}`).toEqual([]);
  });

  it.each(SIZES)('%s CPU units refuse a step below %s, a step above %s, and sizes between steps of %s', (cpu, min, max, step) => {
    for (const memoryMiB of [min - step, max + step, min + step / 2]) {
      expect(memoryProblems(cpu, memoryMiB), `${cpu}/${memoryMiB}`).toEqual([`service.memoryMiB ${memoryMiB} is not a valid Fargate memory size for ${cpu} CPU units`]);
    }
  });

  it('256 CPU units take 512, 1024 or 2048 MiB and nothing else', () => {
    for (const memoryMiB of [512, 1024, 2048]) expect(memoryProblems(256, memoryMiB)).toEqual([]);
    for (const memoryMiB of [256, 1536, 3072]) expect(memoryProblems(256, memoryMiB)).toHaveLength(1);
  });

  it('names every CPU size Fargate offers when given another', () => {
    expect(problemsOf('service.cpu', withService({ cpu: 3072 }))).toEqual(['service.cpu must be a Fargate CPU size 256, 512, 1024, 2048, 4096, 8192, 16384 (got 3072)']);
  });
});

describe('log retention', () => {
  it('names the periods CloudWatch Logs offers', () => {
    expect(problemsOf('service.logRetentionDays', withService({ logRetentionDays: 100 }))).toEqual([
      'service.logRetentionDays must be one of the CloudWatch Logs retention periods 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653 (got 100)',
    ]);
  });
});

describe('network.cidr', () => {
  const cidrProblems = (cidr: string) => problemsOf('network.cidr', (c) => ({ ...c, network: { ...c.network, cidr }, availabilityZones: c.availabilityZones.slice(0, 2) }));

  it('accepts octets up to 255 and refuses 256', () => {
    expect(cidrProblems('10.255.0.0/16')).toEqual([]);
    expect(cidrProblems('10.256.0.0/16')).toEqual(['network.cidr must be an IPv4 CIDR between /16 and /24 (got "10.256.0.0/16")']);
  });

  it('accepts /16 and refuses /15, refuses /25 (and a /24 is too small for the subnets, with its own message)', () => {
    expect(cidrProblems('10.20.0.0/16')).toEqual([]);
    expect(cidrProblems('10.20.0.0/15')).toEqual(['network.cidr must be an IPv4 CIDR between /16 and /24 (got "10.20.0.0/15")']);
    expect(cidrProblems('10.20.0.0/25')).toEqual(['network.cidr must be an IPv4 CIDR between /16 and /24 (got "10.20.0.0/25")']);
    expect(cidrProblems('10.20.0.0/24')).toEqual([expect.stringMatching(/^network\.cidr "10\.20\.0\.0\/24" holds 256 addresses but the subnets of 2 zones need/)]);
  });
});

describe('dns', () => {
  const dnsProblems = (dns: Partial<StageConfig['dns']>) => problemsOf('dns.', (c) => ({ ...c, dns: { ...c.dns, ...dns } }));

  it('accepts the zone apex itself as the domain', () => {
    expect(dnsProblems({ domainName: 'example.com', hostedZoneName: 'example.com' })).toEqual([]);
  });

  it('accepts a certificate in the load balancer\'s region', () => {
    expect(dnsProblems({ certificateArn: 'arn:aws:acm:eu-west-1:222222222222:certificate/12345678-1234-1234-1234-123456789012' })).toEqual([]);
  });
});

describe('database', () => {
  const SNAPSHOT = 'arn:aws:rds:eu-west-1:222222222222:cluster-snapshot:bulwark-prod-copy-1';

  it('accepts a restore snapshot in the cluster\'s region', () => {
    expect(problemsOf('database.', withDatabase({ restoreFromSnapshot: SNAPSHOT }))).toEqual([]);
  });

  it('reads the region of a snapshot in another partition rather than calling it malformed', () => {
    const govCloud = 'arn:aws-us-gov:rds:us-gov-west-1:222222222222:cluster-snapshot:bulwark-prod-copy-1';
    expect(problemsOf('database.', withDatabase({ restoreFromSnapshot: govCloud }))).toEqual([
      'database.restoreFromSnapshot must be in region eu-west-1, where the cluster is built (got us-gov-west-1)',
    ]);
  });

  it.each([
    ['text before the ARN', `snapshot ${SNAPSHOT}`],
    ['a character RDS refuses in the identifier', `${SNAPSHOT}_2`],
    ['an identifier of 256 characters', `${SNAPSHOT.slice(0, SNAPSHOT.lastIndexOf(':') + 1)}b${'x'.repeat(255)}`],
  ])('refuses a restore snapshot ARN with %s', (_, restoreFromSnapshot) => {
    expect(problemsOf('database.', withDatabase({ restoreFromSnapshot }))).toEqual([`database.restoreFromSnapshot must be a cluster snapshot ARN (got "${restoreFromSnapshot}")`]);
  });

  it.each(['1r7g.large', 'db.r7g.large!'])('refuses the instance class %s', (instanceClass) => {
    expect(problemsOf('database.', withDatabase({ instanceClass }))).toEqual([`database.instanceClass must look like r7g.large (got "${instanceClass}")`]);
  });

  it('refuses a database name PostgreSQL would need quoted', () => {
    expect(problemsOf('database.', withDatabase({ databaseName: 'bulwark-prod' }))).toEqual(['database.databaseName must be a lower-case PostgreSQL identifier (got "bulwark-prod")']);
  });

  it('takes Serverless v2 capacity from 0 ACU (auto-pause) and refuses less', () => {
    const serverless = (minCapacity: number) => withDatabase({ instanceClass: undefined, serverless: { minCapacity, maxCapacity: 4 } });
    expect(problemsOf('database.', serverless(0))).toEqual([]);
    expect(problemsOf('database.', serverless(-0.5))).toEqual(['database.serverless.minCapacity must be 0..256 in steps of 0.5 (got -0.5)']);
  });
});

describe('waf', () => {
  it.each(['s3://bulwark-lists/waf/blocklist.json', '/bulwark/prod/waf/blocklist'])('accepts the blocklist source %s', (blocklistSource) => {
    expect(problemsOf('waf.', withWaf({ blocklistSource }))).toEqual([]);
  });

  it.each(['lists/bulwark/blocklist', '/bulwark/prod/waf/block list', 's3://-lists/blocklist.json', 's3://lists-/blocklist.json', 's3://lists/'])(
    'refuses the blocklist source %s',
    (blocklistSource) => {
      expect(problemsOf('waf.', withWaf({ blocklistSource }))).toEqual([`waf.blocklistSource must be an SSM parameter name (/path) or an S3 object (s3://bucket/key) (got "${blocklistSource}")`]);
    },
  );

  it.each(['see https://lists.example.com/drop.txt', 'https://lists.example.com/drop list.txt'])('refuses the reputation list URL "%s"', (url) => {
    expect(problemsOf('waf.', withWaf({ reputationListUrls: [url] }))).toEqual([`waf.reputationListUrls[0] must be an https URL (got "${url}")`]);
  });
});

describe('security.managedByOrganization', () => {
  const securityProblems = (managedByOrganization: string[]) =>
    problemsOf('security.', (c) => ({ ...c, security: { ...c.security, managedByOrganization: managedByOrganization as never } }));

  it('accepts every service the baseline knows', () => {
    expect(securityProblems(['guardDuty', 'securityHub', 'inspector', 'config'])).toEqual([]);
  });

  it('names the unknown services and the known ones', () => {
    expect(securityProblems(['macie', 'guardDuty', 'detective'])).toEqual([
      'security.managedByOrganization has unknown service(s) macie, detective (known: guardDuty, securityHub, inspector, config)',
    ]);
  });

  it('shows the list with the repeated service', () => {
    expect(securityProblems(['config', 'guardDuty', 'config'])).toEqual(['security.managedByOrganization lists a service twice (config, guardDuty, config)']);
  });
});

describe('accountQuotas', () => {
  it('names the quotas an operator can raise when given another', () => {
    expect(problemsOf('accountQuotas.', (c) => ({ ...c, accountQuotas: { vpcs: 10 } as never }))).toEqual([
      'accountQuotas.vpcs is not a quota of the budget (lambdaConcurrentExecutions, manualClusterSnapshotsPerRegion, fargateOnDemandVcpu, elasticIps)',
    ]);
  });
});
