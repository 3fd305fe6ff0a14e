import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { pinAvailabilityZones } from './internal/pin-availability-zones';
import { restrictServiceTrustToAccount } from './internal/service-trust';
import { createLogsEncryptionKey } from './internal/logs-encryption-key';

/** Props of {@link Network}. */
export interface NetworkProps {
  /**
   * Availability zones to spread the subnets over. Explicit, so synthesis needs no lookup,
   * also in a stack bound to an account and region: the construct pins the stack's
   * `availabilityZones` to these (a stack holds one set of zones).
   */
  readonly availabilityZones: string[];
  /**
   * IPv4 CIDR of the VPC.
   * @default '10.0.0.0/16'
   */
  readonly cidr?: string;
  /**
   * NAT gateways. One saves money; one per AZ keeps egress up when a zone fails.
   * @default - one per availability zone
   */
  readonly natGateways?: number;
  /**
   * Retention of the VPC flow logs.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly flowLogRetention?: logs.RetentionDays;
  /**
   * Flow log traffic type.
   * @default ec2.FlowLogTrafficType.ALL
   */
  readonly flowLogTrafficType?: ec2.FlowLogTrafficType;
  /**
   * Interface endpoints for Secrets Manager, ECR (api + dkr) and CloudWatch Logs, so tasks
   * reach them without NAT. The S3 gateway endpoint (free; ECR layers come from S3) is
   * always created.
   * @default true
   */
  readonly interfaceEndpoints?: boolean;
  /**
   * Size of each subnet's CIDR mask.
   * @default 20 for public and private subnets, 24 for isolated subnets
   */
  readonly subnetCidrMasks?: { public?: number; private?: number; isolated?: number };
  /**
   * How long the flow log group and its key survive stack deletion.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** The subnet masks {@link Network} uses unless `subnetCidrMasks` overrides them. */
export const DEFAULT_SUBNET_CIDR_MASKS = { public: 20, private: 20, isolated: 24 } as const;

/** The interface endpoints the web tier needs: secrets, image pulls, logs. */
export const SERVICE_INTERFACE_ENDPOINTS: Readonly<Record<string, ec2.InterfaceVpcEndpointAwsService>> = {
  SecretsManager: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
  EcrApi: ec2.InterfaceVpcEndpointAwsService.ECR,
  EcrDocker: ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER,
  CloudWatchLogs: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
};

/**
 * A three-tier VPC: public subnets (load balancer, NAT), private subnets with egress
 * (tasks, Lambdas), isolated subnets (database). Every flow is logged to a KMS-encrypted
 * log group with retention.
 */
export class Network extends Construct {
  readonly vpc: ec2.Vpc;
  readonly flowLogGroup: logs.LogGroup;
  readonly flowLogKey: kms.Key;
  readonly flowLog: ec2.FlowLog;
  readonly s3Endpoint: ec2.GatewayVpcEndpoint;
  /** The interface endpoints by name (empty when `interfaceEndpoints` is false). */
  readonly interfaceEndpoints: Readonly<Record<string, ec2.InterfaceVpcEndpoint>>;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const zones = props.availabilityZones;
    if (zones.length < 2) throw new Error(`Network: availabilityZones must list at least 2 zones (got ${zones.length})`);
    const natGateways = props.natGateways ?? zones.length;
    if (!Number.isInteger(natGateways) || natGateways < 1 || natGateways > zones.length) {
      throw new Error(`Network: natGateways must be between 1 and the number of availabilityZones (${zones.length}) (got ${natGateways})`);
    }
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const cidr = props.cidr ?? '10.0.0.0/16';
    const masks = props.subnetCidrMasks ?? {};

    pinAvailabilityZones(Stack.of(this), zones);
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(cidr),
      availabilityZones: zones,
      natGateways,
      restrictDefaultSecurityGroup: true,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: masks.public ?? DEFAULT_SUBNET_CIDR_MASKS.public, mapPublicIpOnLaunch: false },
        { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: masks.private ?? DEFAULT_SUBNET_CIDR_MASKS.private },
        { name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: masks.isolated ?? DEFAULT_SUBNET_CIDR_MASKS.isolated },
      ],
    });

    this.flowLogKey = createLogsEncryptionKey(this, 'FlowLogKey', 'Encrypts the VPC flow log group', removalPolicy);
    this.flowLogGroup = new logs.LogGroup(this, 'FlowLogGroup', {
      retention: props.flowLogRetention ?? logs.RetentionDays.ONE_YEAR,
      encryptionKey: this.flowLogKey,
      removalPolicy,
    });
    this.flowLog = this.vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(this.flowLogGroup),
      trafficType: props.flowLogTrafficType ?? ec2.FlowLogTrafficType.ALL,
    });
    if (this.flowLog.iamRole) restrictServiceTrustToAccount(this.flowLog.iamRole);

    this.s3Endpoint = this.vpc.addGatewayEndpoint('S3Endpoint', { service: ec2.GatewayVpcEndpointAwsService.S3 });
    const endpoints: Record<string, ec2.InterfaceVpcEndpoint> = {};
    if (props.interfaceEndpoints ?? true) {
      for (const [name, service] of Object.entries(SERVICE_INTERFACE_ENDPOINTS)) {
        const endpoint = this.vpc.addInterfaceEndpoint(`${name}Endpoint`, {
          service,
          privateDnsEnabled: true,
          subnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
          open: false,
        });
        // HTTPS from inside the VPC only, by literal CIDR so the rule is reviewable as written.
        endpoint.connections.allowFrom(ec2.Peer.ipv4(cidr), ec2.Port.tcp(443), 'HTTPS from inside the VPC');
        endpoints[name] = endpoint;
      }
    }
    this.interfaceEndpoints = endpoints;
  }
}
