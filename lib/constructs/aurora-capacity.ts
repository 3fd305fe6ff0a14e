/**
 * Memory and default max_connections of an Aurora PostgreSQL instance, from what a stack
 * knows at synthesis (instance class or Serverless v2 capacity): the limits the database
 * alarms are relative to, so {@link Observability} need not be told them again.
 */

const GIB = 2 ** 30;
/** Memory per vCPU of the instance families Aurora offers. */
const GIB_PER_VCPU: Record<string, number> = { r: 8, x: 16, m: 4, t: 2 };
/** An Aurora capacity unit is about 2 GiB of memory. */
const GIB_PER_ACU = 2;

/** Memory of a Serverless v2 instance at its maximum capacity (FreeableMemory is reported against it). */
export function serverlessMemoryBytes(maxCapacity: number): number {
  return maxCapacity * GIB_PER_ACU * GIB;
}

/**
 * Memory of a provisioned instance from its class name (`r7g.xlarge` or `db.r7g.xlarge`:
 * family r, 4 vCPUs, 8 GiB each). Throws, naming the class, for a name it cannot read.
 */
export function instanceMemoryBytes(instanceClass: string): number {
  return instanceVcpus(instanceClass) * (GIB_PER_VCPU[parseInstanceClass(instanceClass).family] ?? 4) * GIB;
}

/** vCPUs of a provisioned instance from its class name: `large` 2, `xlarge` 4, `Nxlarge` 4 × N. */
export function instanceVcpus(instanceClass: string): number {
  const { multiplier } = parseInstanceClass(instanceClass);
  return instanceClass.endsWith('.large') ? 2 : 4 * Number(multiplier || 1);
}

function parseInstanceClass(instanceClass: string): { family: string; multiplier: string } {
  const match = /^(?:db\.)?([a-z])[a-z0-9-]*\.(\d*)x?large$/.exec(instanceClass);
  if (!match) throw new Error(`instance class "${instanceClass}" is not one whose memory is known (e.g. r7g.xlarge)`);
  return { family: match[1], multiplier: match[2] };
}

/** Aurora PostgreSQL's default max_connections: LEAST(DBInstanceClassMemory / 9531392, 5000). */
export function defaultMaxConnections(memoryBytes: number): number {
  return Math.min(Math.floor(memoryBytes / 9_531_392), 5000);
}
