import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config';
import { logRetention } from '../config/durations';
import { Network } from '../constructs/network';
import { publishNatEgressAddresses } from './nat-egress';

export interface NetworkStackProps extends StackProps {
  readonly config: StageConfig;
}

export class NetworkStack extends Stack {
  readonly network: Network;

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    super(scope, id, props);
    const { network } = props.config;
    this.network = new Network(this, 'Network', {
      availabilityZones: props.config.availabilityZones,
      cidr: network.cidr,
      natGateways: network.natGateways,
      flowLogRetention: logRetention(network.flowLogRetentionDays),
      interfaceEndpoints: network.interfaceEndpoints,
    });
    publishNatEgressAddresses(this, props.config, this.network.vpc);
  }
}
