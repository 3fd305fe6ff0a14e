/**
 * The stateful and identity-bearing resource types whose logical IDs and replacement-
 * sensitive properties are pinned, and those properties.
 *
 * A property is listed when the CloudFormation Template Reference says "Update requires:
 * Replacement" for it (the same set the resource schemas name `createOnlyProperties`), or
 * when changing it fails the update outright (KMS key spec, usage, origin, multi-Region).
 * Changing the logical ID replaces any resource: CloudFormation creates a new one under the
 * new ID and deletes (or, when retained, orphans) the old one.
 *
 * Add a type here when a construct starts to create one: a database, a store, a key, or
 * anything other systems address by name or ARN.
 */
export interface PinnedType {
  /** What a replacement costs, in the failure message. */
  readonly consequence: string;
  /** Properties whose change replaces the resource (or fails the update). */
  readonly properties: readonly string[];
  /** Only resources of the type that satisfy this are pinned (default: all of them). */
  readonly appliesTo?: (properties: Record<string, unknown>) => boolean;
}

// CloudFormation creates the replacement, then deletes the old resource (or orphans it
// when retained): the new one starts empty and has a new name or ARN.
const DATA_LOST = 'a new, empty one takes its place and the old one is deleted, or orphaned when retained';
const NEW_IDENTITY = 'its name or ARN changes under everything that refers to it';
// Account/Region singletons: CloudFormation creates the replacement before it deletes the
// old one, and the service refuses a second one, so the update fails and rolls back; a
// rename (a removed resource plus a new one) fails the same way.
const singleton = (what: string, loses: string) => `the account allows one ${what}: the new one fails to create while the old one exists, so the update rolls back; removing the old one first ${loses}`;

export const PINNED_TYPES: Readonly<Record<string, PinnedType>> = {
  'AWS::RDS::DBCluster': {
    consequence: 'the data stays behind: a new, empty cluster takes its place and the old one is deleted after a final snapshot, or orphaned when retained',
    properties: ['DBClusterIdentifier', 'DatabaseName', 'DBSubnetGroupName', 'Engine', 'EngineMode', 'ClusterScalabilityType', 'KmsKeyId', 'MasterUsername', 'SnapshotIdentifier', 'SourceRegion', 'StorageEncrypted', 'RestoreType', 'SourceDBClusterIdentifier', 'UseLatestRestorableTime', 'PubliclyAccessible'],
  },
  'AWS::RDS::DBInstance': {
    consequence: 'the instance is re-created: connections drop and its endpoint name changes',
    properties: ['DBClusterIdentifier', 'DBInstanceIdentifier', 'DBName', 'DBSubnetGroupName', 'Engine', 'KmsKeyId', 'MasterUsername', 'StorageEncrypted', 'SourceRegion'],
  },
  'AWS::KMS::Key': {
    consequence: 'a new key: everything encrypted under the old one (snapshots, secrets, logs) needs the old key, which is scheduled for deletion or orphaned',
    properties: ['KeySpec', 'KeyUsage', 'MultiRegion', 'Origin'],
  },
  'AWS::KMS::Alias': { consequence: NEW_IDENTITY, properties: ['AliasName'] },
  'AWS::SecretsManager::Secret': { consequence: `the credentials are regenerated and ${NEW_IDENTITY}`, properties: ['Name'] },
  'AWS::S3::Bucket': { consequence: `${DATA_LOST}, with its objects`, properties: ['BucketName', 'BucketNamePrefix', 'BucketNamespace'] },
  'AWS::Logs::LogGroup': { consequence: `${DATA_LOST}: the log history stays in the old group`, properties: ['LogGroupName'] },
  'AWS::WAFv2::IPSet': { consequence: `the addresses the sync Lambda or an operator put in it are lost and ${NEW_IDENTITY}`, properties: ['Name', 'Scope', 'IPAddressVersion'] },
  'AWS::WAFv2::WebACL': { consequence: `the web ACL is re-created: its association, logging and Shield automatic response are re-attached and ${NEW_IDENTITY}`, properties: ['Name', 'Scope'] },
  'AWS::Backup::BackupVault': { consequence: `${DATA_LOST}: the recovery points stay in the old vault (a locked vault cannot be deleted at all)`, properties: ['BackupVaultName', 'EncryptionKeyArn'] },
  'AWS::ECR::Repository': { consequence: `${DATA_LOST}, with its images, and ${NEW_IDENTITY}`, properties: ['RepositoryName', 'EncryptionConfiguration'] },
  'AWS::SNS::Topic': { consequence: `every e-mail subscription must be confirmed again and ${NEW_IDENTITY}`, properties: ['TopicName', 'FifoTopic'] },
  'AWS::ElasticLoadBalancingV2::LoadBalancer': { consequence: 'a new load balancer with a new DNS name: clients and records that hold the old name break', properties: ['Name', 'Scheme', 'Type'] },
  'AWS::EC2::VPC': { consequence: 'a new VPC: everything in it (database, tasks, endpoints) is replaced with it', properties: ['CidrBlock', 'Ipv4IpamPoolId', 'Ipv4NetmaskLength'] },
  'AWS::EC2::Subnet': { consequence: 'a new subnet: the database subnet group and the tasks must move, and the update stalls while interfaces use the old one', properties: ['AvailabilityZone', 'AvailabilityZoneId', 'CidrBlock', 'VpcId', 'Ipv6Native'] },
  'AWS::SSM::Parameter': { consequence: NEW_IDENTITY, properties: ['Name'] },
  'AWS::RUM::AppMonitor': { consequence: `the page's RUM snippet points at a monitor that no longer exists and ${NEW_IDENTITY}`, properties: ['Name', 'Platform'] },
  'AWS::Cognito::IdentityPool': { consequence: 'a new identity pool id: the RUM snippet in the page stops sending data', properties: [] },
  'AWS::GuardDuty::Detector': { consequence: singleton('GuardDuty detector per Region', 'deletes its findings'), properties: [] },
  'AWS::SecurityHub::Hub': { consequence: singleton('Security Hub per Region', 'disables it and deletes its findings and control history'), properties: [] },
  'AWS::Config::ConfigurationRecorder': { consequence: singleton('configuration recorder per Region', 'stops recording and leaves a gap in the configuration history'), properties: ['Name', 'StartedOnCreate'] },
  'AWS::Config::DeliveryChannel': { consequence: singleton('delivery channel per Region', 'stops delivering configuration snapshots'), properties: ['Name'] },
  'AWS::Shield::Protection': { consequence: singleton('Shield protection per resource', 'leaves the resource unprotected, and its protection group and health-based detection are re-attached'), properties: ['Name', 'ResourceArn'] },
  'AWS::CertificateManager::Certificate': {
    consequence: 'a new certificate: the update waits until it is validated (DNS records, or a person answering the validation e-mail) and the listener switches to it mid-update',
    properties: ['DomainName', 'SubjectAlternativeNames', 'DomainValidationOptions', 'KeyAlgorithm', 'CertificateAuthorityArn', 'CertificateExport'],
  },
  'AWS::ECS::Cluster': { consequence: `a new cluster: every service in it is re-created with it (its Cluster property forces a replacement), tasks restart, and ${NEW_IDENTITY}`, properties: ['ClusterName'] },
  'AWS::IAM::OIDCProvider': { consequence: 'the account allows one provider per URL: the new one fails to create while the old one exists', properties: ['Url'] },
  // Only named roles: an unnamed role's replacement is invisible outside the stack, but a
  // named one is what a CI workflow or another account assumes by ARN.
  'AWS::IAM::Role': { consequence: NEW_IDENTITY, properties: ['RoleName', 'Path'], appliesTo: (properties) => properties.RoleName !== undefined },
};
