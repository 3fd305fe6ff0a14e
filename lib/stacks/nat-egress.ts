import { Fn } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { stageParameterName, type Naming } from '../config';

/**
 * The NAT gateways' Elastic IPs: the only addresses traffic from the private subnets
 * leaves the VPC from. ec2.Vpc creates one EIP per NAT gateway, in the public subnets.
 */
export function natEgressAddresses(vpc: ec2.Vpc): string[] {
  return vpc.publicSubnets.flatMap((subnet) => {
    const eip = subnet.node.tryFindChild('EIP');
    return eip instanceof ec2.CfnEIP ? [eip.attrPublicIp] : [];
  });
}

/** The SSM parameter (under the stage's prefix) that holds them, comma-separated. */
const NAT_EGRESS_PARAMETER = 'network/nat-egress-addresses';

/**
 * Publishes the NAT addresses for the Service stack to read while the load test is
 * deployed. A parameter, not an export: an export that Service imported only during a
 * load test would be removed by the Network stack's next deployment while Service still
 * imports it, which CloudFormation refuses. The parameter exists whether or not a test is on.
 */
export function publishNatEgressAddresses(scope: Construct, config: Naming, vpc: ec2.Vpc): ssm.StringParameter | undefined {
  const addresses = natEgressAddresses(vpc);
  if (addresses.length === 0) return undefined;
  return new ssm.StringParameter(scope, 'NatEgressAddressesParameter', {
    parameterName: stageParameterName(config, NAT_EGRESS_PARAMETER),
    stringValue: Fn.join(',', addresses),
    description: `Bulwark ${config.stage}: the NAT gateways' Elastic IPs, read by the Service stack while the load test is deployed`,
  });
}

/** The NAT addresses, comma-separated, resolved by CloudFormation when the reading stack deploys. */
export function readNatEgressAddresses(scope: Construct, config: Naming): string {
  return ssm.StringParameter.valueForStringParameter(scope, stageParameterName(config, NAT_EGRESS_PARAMETER));
}
