import { Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { NagSuppressions } from 'cdk-nag';
import type { Construct } from 'constructs';
import { skipCheckov } from '../internal/checkov';
import type { WebServiceProps } from './props';
import { acceptDisabledDeletionProtection } from '../internal/nist';
import type { ResolvedSettings } from './settings';

/** The load balancer, its security group, certificate and listeners. */
export interface WebLoadBalancer {
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly securityGroup: ec2.SecurityGroup;
  readonly certificate: acm.ICertificate;
  readonly accessLogBucket?: s3.Bucket;
  readonly listener: elbv2.ApplicationListener;
  readonly redirectListener: elbv2.ApplicationListener;
}

/**
 * The ALB (HTTPS only, HTTP answers 301, strict desync mitigation, access logs to S3) with
 * its security group open to its clients on 80 and 443 only.
 */
export function createLoadBalancer(scope: Construct, props: WebServiceProps, settings: ResolvedSettings): WebLoadBalancer {
  const certificate =
    props.certificate ??
    new acm.Certificate(scope, 'Certificate', {
      // resolveProps requires both when no certificate is given.
      domainName: props.domainName!,
      validation: acm.CertificateValidation.fromDns(props.hostedZone),
    });
  const accessLogBucket = settings.accessLogs ? createAccessLogBucket(scope, settings) : undefined;
  const securityGroup = createLoadBalancerSecurityGroup(scope, props.vpc, settings);

  const loadBalancer = new elbv2.ApplicationLoadBalancer(scope, 'LoadBalancer', {
    vpc: props.vpc,
    internetFacing: settings.internetFacing,
    vpcSubnets: settings.loadBalancerSubnets,
    securityGroup,
    ipAddressType: settings.dualStack ? elbv2.IpAddressType.DUAL_STACK : elbv2.IpAddressType.IPV4,
    deletionProtection: settings.deletionProtection,
    idleTimeout: settings.idleTimeout,
    dropInvalidHeaderFields: true,
    // Requests that could be interpreted differently by the ALB and the app (request
    // smuggling) are refused outright.
    desyncMitigationMode: elbv2.DesyncMitigationMode.STRICTEST,
    http2Enabled: true,
  });
  if (accessLogBucket) {
    loadBalancer.logAccessLogs(accessLogBucket, 'alb');
    // The log-delivery service may write here only for this account's load balancers
    // (CDK's statement for it names no source account: a confused deputy otherwise).
    accessLogBucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'LogDeliveryOnlyForThisAccount',
        effect: iam.Effect.DENY,
        principals: [new iam.ServicePrincipal('delivery.logs.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [accessLogBucket.arnForObjects('*')],
        conditions: { StringNotEquals: { 'aws:SourceAccount': Stack.of(scope).account } },
      }),
    );
  }

  const redirectListener = loadBalancer.addListener('Http', {
    port: 80,
    protocol: elbv2.ApplicationProtocol.HTTP,
    open: false,
    defaultAction: elbv2.ListenerAction.redirect({ protocol: 'HTTPS', port: '443', permanent: true }),
  });
  NagSuppressions.addResourceSuppressions(redirectListener, [
    { id: 'NIST.800.53.R5-ELBv2ACMCertificateRequired', reason: 'The port-80 listener only answers a permanent redirect to HTTPS; it serves no content and needs no certificate.' },
  ]);
  if (!settings.deletionProtection) acceptDisabledDeletionProtection(loadBalancer, 'NIST.800.53.R5-ELBDeletionProtectionEnabled');
  const listener = loadBalancer.addListener('Https', {
    port: 443,
    protocol: elbv2.ApplicationProtocol.HTTPS,
    open: false,
    certificates: [elbv2.ListenerCertificate.fromCertificateManager(certificate)],
    sslPolicy: settings.sslPolicy,
  });
  return { loadBalancer, securityGroup, certificate, accessLogBucket, listener, redirectListener };
}

/**
 * The ALB access-log bucket. Its policy names the region's ELB log-delivery account, which
 * CDK looks up by region: a region-agnostic stack is refused here, naming the fix.
 */
function createAccessLogBucket(scope: Construct, settings: ResolvedSettings): s3.Bucket {
  const stack = Stack.of(scope);
  if (Token.isUnresolved(stack.region)) {
    throw new Error(
      `Invalid WebService props: accessLogs needs a concrete region, but stack ${stack.stackName} is region-agnostic; ` +
        'set env.region on the stack, or accessLogs: false',
    );
  }
  const destroy = settings.removalPolicy === RemovalPolicy.DESTROY;
  const bucket = new s3.Bucket(scope, 'AccessLogs', {
    // ALB access logs can only be written to SSE-S3 buckets (SSE-KMS is not supported).
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    lifecycleRules: [{ expiration: Duration.days(settings.accessLogRetentionDays), abortIncompleteMultipartUploadAfter: Duration.days(1) }],
    // Logs are evidence: by default they outlive the stack and expire by the lifecycle
    // rule only. No versioning: only the ELB log delivery writes here and every object is
    // new, so versions would add nothing but noncurrent copies to expire; tamper-proofing
    // would take Object Lock, which is beyond what access logs need here.
    removalPolicy: settings.removalPolicy,
    // A bucket with objects cannot be deleted: DESTROY empties it first.
    autoDeleteObjects: destroy,
  });
  NagSuppressions.addResourceSuppressions(bucket, [
    {
      id: 'NIST.800.53.R5-S3BucketLoggingEnabled',
      reason: 'See AwsSolutions-S1: this bucket is itself the access-log destination.',
    },
    {
      id: 'NIST.800.53.R5-S3BucketVersioningEnabled',
      reason: 'Only the ELB log delivery writes here and every object is new; versioning would keep nothing but noncurrent copies past the lifecycle expiry.',
    },
    {
      id: 'NIST.800.53.R5-S3DefaultEncryptionKMS',
      reason: 'ALB access logs can be delivered only to SSE-S3 buckets; AWS does not support SSE-KMS for them.',
    },
    {
      id: 'NIST.800.53.R5-S3BucketReplicationEnabled',
      reason: 'Access logs are operational evidence with a fixed lifecycle, not data to recover; WAF logs (in CloudWatch Logs) hold the client-level record as well.',
    },
    {
      id: 'AwsSolutions-S1',
      reason:
        'This bucket is itself the log destination (ALB access logs). Logging its object access to another bucket would need a third bucket for that one; writes come only from the regional ELB log-delivery principal named in the bucket policy, and the bucket is TLS-only with all public access blocked.',
    },
  ]);
  skipCheckov(bucket, [
    { id: 'CKV_AWS_18', comment: 'The bucket is the access-log destination itself; see the AwsSolutions-S1 reason.' },
    { id: 'CKV_AWS_21', comment: 'Access logs are written once and never overwritten; versioning would only keep delete markers past the lifecycle expiry.' },
  ]);
  return bucket;
}

function createLoadBalancerSecurityGroup(scope: Construct, vpc: ec2.IVpc, settings: ResolvedSettings): ec2.SecurityGroup {
  const securityGroup = new ec2.SecurityGroup(scope, 'LoadBalancerSecurityGroup', {
    vpc,
    description: settings.internetFacing
      ? 'Internet-facing ALB: HTTP/HTTPS in; out only to the service tasks'
      : 'Internal ALB: HTTP/HTTPS in from the VPC; out only to the service tasks',
    allowAllOutbound: false,
  });
  const anywhere = settings.dualStack ? [ec2.Peer.anyIpv4(), ec2.Peer.anyIpv6()] : [ec2.Peer.anyIpv4()];
  const clientPeers = settings.internetFacing ? anywhere : [ec2.Peer.ipv4(vpc.vpcCidrBlock)];
  for (const peer of clientPeers) {
    securityGroup.addIngressRule(peer, ec2.Port.tcp(443), 'HTTPS from clients');
    securityGroup.addIngressRule(peer, ec2.Port.tcp(80), 'HTTP from clients (redirected to HTTPS)');
  }
  NagSuppressions.addResourceSuppressions(securityGroup, [
    settings.internetFacing
      ? {
          id: 'AwsSolutions-EC23',
          reason:
            'A public internet-facing API: clients connect from any address, on 443 (and on 80, which only answers a 301 to HTTPS). No other port is open; the WAF web ACL filters requests before they reach the targets.',
        }
      : {
          id: 'CdkNagValidationFailure',
          reason: 'The internal load balancer admits the VPC CIDR only, a reference EC23 cannot resolve at synthesis; it is never 0.0.0.0/0.',
          appliesTo: ['AwsSolutions-EC23'],
        },
  ]);
  skipCheckov(securityGroup, [
    { id: 'CKV_AWS_260', comment: 'Port 80 answers only a 301 redirect to HTTPS, so clients that type the bare host name still land on TLS.' },
  ]);
  return securityGroup;
}

/** Alias records (A, and AAAA when dual-stack) for `domainName` in `hostedZone`; none without a zone. */
export function createAliasRecords(scope: Construct, props: WebServiceProps, loadBalancer: elbv2.ApplicationLoadBalancer, dualStack: boolean): route53.IRecordSet[] {
  if (!props.hostedZone) return [];
  const aliasTarget = route53.RecordTarget.fromAlias(new targets.LoadBalancerTarget(loadBalancer));
  const records: route53.IRecordSet[] = [new route53.ARecord(scope, 'AliasRecord', { zone: props.hostedZone, recordName: props.domainName, target: aliasTarget })];
  if (dualStack) {
    records.push(new route53.AaaaRecord(scope, 'AliasRecordIpv6', { zone: props.hostedZone, recordName: props.domainName, target: aliasTarget }));
  }
  return records;
}
