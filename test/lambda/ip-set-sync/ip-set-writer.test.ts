import { GetIPSetCommand, UpdateIPSetCommand, WAFOptimisticLockException, WAFV2Client, WAFInternalErrorException } from '@aws-sdk/client-wafv2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { IpSetRef } from '../../../lambda/ip-set-sync/config';
import { differenceOf, shrinkRefusal, syncIpSet } from '../../../lambda/ip-set-sync/ip-set-writer';

const waf = mockClient(WAFV2Client);
const ref: IpSetRef = { name: 'bulwark-prod-block-v4', id: '4c1f8e1e-0000-4000-8000-000000000001', scope: 'REGIONAL' };
const hosts = (count: number, thirdOctet = 0) => Array.from({ length: count }, (_, index) => `192.0.${thirdOctet}.${index}/32`);

function ipSet(addresses: string[], lockToken: string, description = 'operator + reputation blocklist') {
  return { IPSet: { Name: ref.name, Id: ref.id, ARN: 'arn', IPAddressVersion: 'IPV4' as const, Addresses: addresses, Description: description }, LockToken: lockToken };
}

const lockConflict = () => new WAFOptimisticLockException({ message: 'stale lock token', $metadata: {} });

describe('differenceOf', () => {
  it('compares canonical forms, so a different spelling is not a change', () => {
    expect(differenceOf(['2001:DB8:0::/32', '192.0.2.7/24'], ['2001:db8::/32', '192.0.2.0/24'])).toEqual({ currentCount: 2, added: 0, removed: 0 });
  });

  it('counts added and removed, and removes entries that do not parse', () => {
    expect(differenceOf(['192.0.2.1/32', 'garbage'], ['192.0.2.2/32'])).toEqual({ currentCount: 2, added: 1, removed: 2 });
  });
});

describe('shrinkRefusal', () => {
  it('never lets an empty list wipe a non-empty set, however small', () => {
    expect(shrinkRefusal({ currentCount: 1, added: 0, removed: 1 }, 0, 1)).toMatch(/would empty/);
    expect(shrinkRefusal({ currentCount: 0, added: 0, removed: 0 }, 0, 0.25)).toBeUndefined();
  });

  it('refuses removing more than the fraction from a set of 10 or more', () => {
    expect(shrinkRefusal({ currentCount: 100, added: 0, removed: 25 }, 75, 0.25)).toBeUndefined();
    expect(shrinkRefusal({ currentCount: 100, added: 0, removed: 26 }, 74, 0.25)).toMatch(/would remove 26 of 100/);
  });

  it('counts removals, not net shrink: replacing most of the set is refused too', () => {
    expect(shrinkRefusal({ currentCount: 100, added: 90, removed: 90 }, 100, 0.25)).toMatch(/would remove 90/);
  });

  it('does not guard small sets', () => {
    expect(shrinkRefusal({ currentCount: 9, added: 0, removed: 8 }, 1, 0.25)).toBeUndefined();
  });

  it('starts guarding at exactly 10 entries (9 unguarded, 10 guarded)', () => {
    expect(shrinkRefusal({ currentCount: 9, added: 0, removed: 3 }, 6, 0.25)).toBeUndefined();
    expect(shrinkRefusal({ currentCount: 10, added: 0, removed: 3 }, 7, 0.25)).toMatch(/would remove 3 of 10/);
  });
});

describe('syncIpSet', () => {
  const delays: number[] = [];
  const options = { maxShrinkFraction: 0.25, sleep: async (ms: number) => void delays.push(ms) };
  beforeEach(() => {
    waf.reset();
    delays.length = 0;
  });

  it('does not call UpdateIPSet when the set already holds the desired list', async () => {
    waf.on(GetIPSetCommand).resolves(ipSet(['192.0.2.0/24', '198.51.100.1/32'], 'token-1'));
    const outcome = await syncIpSet(new WAFV2Client({}), ref, ['198.51.100.1/32', '192.0.2.0/24'], options);
    expect(outcome).toEqual({ status: 'unchanged', entryCount: 2, added: 0, removed: 0, attempts: 1 });
    expect(waf.commandCalls(UpdateIPSetCommand)).toHaveLength(0);
  });

  it('updates with the lock token, the whole list and the existing description', async () => {
    waf.on(GetIPSetCommand).resolves(ipSet(['192.0.2.0/24'], 'token-1'));
    waf.on(UpdateIPSetCommand).resolves({ NextLockToken: 'token-2' });
    const outcome = await syncIpSet(new WAFV2Client({}), ref, ['192.0.2.0/24', '198.51.100.1/32'], options);
    expect(outcome).toMatchObject({ status: 'updated', entryCount: 2, added: 1, removed: 0 });
    expect(waf.commandCalls(GetIPSetCommand)[0].args[0].input).toEqual({ Name: ref.name, Id: ref.id, Scope: 'REGIONAL' });
    expect(waf.commandCalls(UpdateIPSetCommand)[0].args[0].input).toEqual({
      Name: ref.name,
      Id: ref.id,
      Scope: 'REGIONAL',
      Description: 'operator + reputation blocklist',
      Addresses: ['192.0.2.0/24', '198.51.100.1/32'],
      LockToken: 'token-1',
    });
  });

  it('omits an empty description, which WAF would refuse', async () => {
    waf.on(GetIPSetCommand).resolves(ipSet([], 'token-1', ''));
    waf.on(UpdateIPSetCommand).resolves({ NextLockToken: 'token-2' });
    await syncIpSet(new WAFV2Client({}), ref, ['192.0.2.0/24'], options);
    expect(waf.commandCalls(UpdateIPSetCommand)[0].args[0].input).not.toHaveProperty('Description');
  });

  it('retries a lock conflict with exponential backoff, re-reading the set each attempt', async () => {
    waf.on(GetIPSetCommand).resolvesOnce(ipSet([], 'token-1')).resolvesOnce(ipSet([], 'token-2')).resolves(ipSet(['203.0.113.9/32'], 'token-3'));
    waf.on(UpdateIPSetCommand).rejectsOnce(lockConflict()).rejectsOnce(lockConflict()).resolves({ NextLockToken: 'token-4' });
    const outcome = await syncIpSet(new WAFV2Client({}), ref, ['192.0.2.0/24'], options);
    expect(outcome).toMatchObject({ status: 'updated', attempts: 3, added: 1, removed: 1 });
    expect(waf.commandCalls(UpdateIPSetCommand).map((call) => call.args[0].input.LockToken)).toEqual(['token-1', 'token-2', 'token-3']);
    expect(delays).toEqual([200, 400]);
  });

  it('gives up after the last attempt and throws the lock conflict', async () => {
    waf.on(GetIPSetCommand).resolves(ipSet([], 'token-1'));
    waf.on(UpdateIPSetCommand).rejects(lockConflict());
    await expect(syncIpSet(new WAFV2Client({}), ref, ['192.0.2.0/24'], { ...options, maxAttempts: 3, backoffMs: 10 })).rejects.toThrow('stale lock token');
    expect(waf.commandCalls(UpdateIPSetCommand)).toHaveLength(3);
    expect(delays).toEqual([10, 20]);
  });

  it('does not retry other errors', async () => {
    waf.on(GetIPSetCommand).resolves(ipSet([], 'token-1'));
    waf.on(UpdateIPSetCommand).rejects(new WAFInternalErrorException({ message: 'boom', $metadata: {} }));
    await expect(syncIpSet(new WAFV2Client({}), ref, ['192.0.2.0/24'], options)).rejects.toThrow('boom');
    expect(waf.commandCalls(UpdateIPSetCommand)).toHaveLength(1);
  });

  it('re-judges the shrink guard on a retry: a set that grew meanwhile can make the update a refused shrink', async () => {
    waf.on(GetIPSetCommand).resolvesOnce(ipSet(hosts(8), 'token-1')).resolves(ipSet(hosts(40), 'token-2'));
    waf.on(UpdateIPSetCommand).rejectsOnce(lockConflict()).resolves({});
    const outcome = await syncIpSet(new WAFV2Client({}), ref, hosts(5), options);
    expect(outcome).toMatchObject({ status: 'shrink-refused', entryCount: 40, attempts: 2 });
    expect(waf.commandCalls(UpdateIPSetCommand)).toHaveLength(1);
  });

  it('refuses to wipe the set and does not call UpdateIPSet', async () => {
    waf.on(GetIPSetCommand).resolves(ipSet(hosts(3), 'token-1'));
    const outcome = await syncIpSet(new WAFV2Client({}), ref, [], options);
    expect(outcome).toMatchObject({ status: 'shrink-refused', entryCount: 3, refusal: 'would empty a set of 3 entries' });
    expect(waf.commandCalls(UpdateIPSetCommand)).toHaveLength(0);
  });
});
