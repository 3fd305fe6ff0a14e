import { Stack, Token } from 'aws-cdk-lib';

const PINNED = Symbol.for('bulwark.pinnedAvailabilityZones');

/**
 * Makes `stack.availabilityZones` answer `zones`. CDK's Vpc validates explicit zones
 * against the stack's, and a stack bound to an account and region answers that with a
 * context lookup, which fails offline ("Need to perform AWS calls for account ...") even
 * though the zones were given. Pinning them on the stack instance skips the lookup; other
 * constructs of the stack that ask for its zones get the same ones. A stack can be pinned
 * to one set of zones only.
 */
export function pinAvailabilityZones(stack: Stack, zones: string[]): void {
  if (zones.some((zone) => Token.isUnresolved(zone))) return;
  const pinned = (stack as unknown as Record<symbol, string[] | undefined>)[PINNED];
  if (pinned) {
    if (pinned.join() !== zones.join()) throw new Error(`Stack ${stack.node.path} is already pinned to availability zones ${pinned.join(', ')}; a second Network needs the same zones or its own stack`);
    return;
  }
  const copy = [...zones];
  Object.defineProperty(stack, PINNED, { value: copy });
  Object.defineProperty(stack, 'availabilityZones', { get: () => copy, configurable: true });
}
