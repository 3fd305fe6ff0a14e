import { describe, expect, it } from 'vitest';
import { findConfigProblems, STAGES } from '../../lib/config';

// network.cidr must be written as its network address: EC2 refuses a VPC block with host
// bits set (10.20.0.5/16), and would do so mid-deploy. The message names the address to use.

const cidrProblems = (cidr: string): string[] =>
  findConfigProblems({ ...structuredClone(STAGES.prod), network: { ...STAGES.prod.network, cidr } }).filter((problem) => problem.startsWith('network.cidr'));

describe('network.cidr host bits', () => {
  it.each([
    ['10.20.0.1/16', '10.20.0.0/16'],
    ['10.20.0.10/16', '10.20.0.0/16'],
    ['10.20.0.255/16', '10.20.0.0/16'],
    ['10.20.128.0/16', '10.20.0.0/16'],
    ['10.20.1.0/17', '10.20.0.0/17'],
    ['10.20.129.0/17', '10.20.128.0/17'],
    ['192.168.3.0/18', '192.168.0.0/18'],
    ['255.255.255.255/16', '255.255.0.0/16'],
  ])('refuses %s, naming its network address %s', (cidr, network) => {
    const [address, prefix] = network.split('/');
    expect(cidrProblems(cidr)).toEqual([`network.cidr "${cidr}" has host bits set: write its network address, ${address}/${prefix}`]);
  });

  it.each(['10.20.0.0/16', '10.20.128.0/17', '172.16.0.0/16', '255.255.0.0/16'])('accepts the network address %s', (cidr) => {
    expect(cidrProblems(cidr)).toEqual([]);
  });
});
