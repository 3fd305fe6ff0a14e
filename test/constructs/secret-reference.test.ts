/**
 * The two helpers behind the production blocker "the tasks cannot read their secret": a
 * secret (and its key) from the data stack referenced locally so grants land in the
 * grantee's own policy, and kms:Decrypt written there, pinned to the key and to Secrets
 * Manager of the key's region. Each test builds its stacks itself, so a mutant in the
 * helpers is scored against these tests (see docs/testing.md, "static mutants").
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { describe, expect, it } from 'vitest';
import { grantDecryptViaSecretsManager, secretInThisStack } from '../../lib/constructs/internal/secret-reference';
import { testApp } from '../support/app';

/** A data stack holding a cluster key and a secret it encrypts, and a service stack beside it, as the stage builds them. */
function stage() {
  const app = testApp();
  const env = { account: '123456789012', region: 'eu-west-1' };
  const data = new Stack(app, 'Data', { env });
  const service = new Stack(app, 'Service', { env });
  const clusterKey = new kms.Key(data, 'ClusterKey');
  const secret = new secretsmanager.Secret(data, 'DbSecret', { encryptionKey: clusterKey });
  return { data, service, clusterKey, secret };
}

describe('secretInThisStack', () => {
  it('returns the secret itself when it and its key are in the stack already', () => {
    const { data, secret } = stage();
    expect(secretInThisStack(data, secret, 'Db')).toBe(secret);
  });

  it('returns a secret without a key itself when it is in the stack', () => {
    const { data } = stage();
    const unencrypted = new secretsmanager.Secret(data, 'Plain');
    expect(secretInThisStack(data, unencrypted, 'Db')).toBe(unencrypted);
  });

  it('references a secret and key of another stack here, by ARN, under <id>Reference and <id>KeyReference', () => {
    const { service, clusterKey, secret } = stage();
    const reference = secretInThisStack(service, secret, 'Db');
    expect(reference).not.toBe(secret);
    expect(Stack.of(reference)).toBe(service);
    expect(reference.node.path).toBe('Service/DbReference');
    expect(reference.secretArn).toBe(secret.secretArn);
    const key = reference.encryptionKey!;
    expect(key).not.toBe(clusterKey);
    expect(Stack.of(key)).toBe(service);
    expect(key.node.path).toBe('Service/DbKeyReference');
    expect(key.keyArn).toBe(clusterKey.keyArn);
  });

  it('references a secret of this stack whose key is in another stack, so no grant reaches that key policy', () => {
    const { data, service } = stage();
    const serviceKeyed = new secretsmanager.Secret(service, 'Keyed', { encryptionKey: new kms.Key(data, 'OtherKey') });
    const reference = secretInThisStack(service, serviceKeyed, 'Local');
    expect(reference).not.toBe(serviceKeyed);
    expect(reference.encryptionKey!.node.path).toBe('Service/LocalKeyReference');
  });

  it('keeps a key of this stack as it is when only the secret is elsewhere', () => {
    const { data, service } = stage();
    const localKey = new kms.Key(service, 'LocalKey');
    const reference = secretInThisStack(service, new secretsmanager.Secret(data, 'Elsewhere', { encryptionKey: localKey }), 'Db');
    expect(reference.node.path).toBe('Service/DbReference');
    expect(reference.encryptionKey).toBe(localKey);
  });

  it('references a secret of another stack without a key as one without a key', () => {
    const { data, service } = stage();
    const reference = secretInThisStack(service, new secretsmanager.Secret(data, 'Plain'), 'Db');
    expect(reference.node.path).toBe('Service/DbReference');
    expect(reference.encryptionKey).toBeUndefined();
    expect(service.node.tryFindChild('DbKeyReference')).toBeUndefined();
  });

  it("lets a grant on the reference land in the grantee's policy only, never in the data stack's key policy", () => {
    const { data, service, secret } = stage();
    const role = new iam.Role(service, 'TaskRole', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    secretInThisStack(service, secret, 'Db').grantRead(role);
    const keyPolicy = Template.fromStack(data).findResources('AWS::KMS::Key');
    expect(JSON.stringify(keyPolicy)).not.toContain('TaskRole');
    const [policy] = Object.values(Template.fromStack(service).findResources('AWS::IAM::Policy'));
    // The key half of grantRead is dropped for the imported key: why grantDecryptViaSecretsManager exists.
    expect(policy.Properties.PolicyDocument.Statement).toEqual([
      {
        Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
        Effect: 'Allow',
        Resource: { 'Fn::ImportValue': expect.stringMatching(/^Data:ExportsOutputRefDbSecret/) },
      },
    ]);
  });
});

describe('grantDecryptViaSecretsManager', () => {
  const decryptStatements = (stack: Stack) =>
    Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')).flatMap(
      (policy) => (policy.Properties.PolicyDocument.Statement as Array<{ Action: unknown }>).filter((statement) => statement.Action === 'kms:Decrypt'),
    );

  it("allows kms:Decrypt on the key only, only through Secrets Manager in the key's region, in the grantee's own policy", () => {
    const { service, clusterKey, secret } = stage();
    const role = new iam.Role(service, 'TaskRole', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    const reference = secretInThisStack(service, secret, 'Db');
    grantDecryptViaSecretsManager(reference.encryptionKey!, role);
    expect(service.resolve(reference.encryptionKey!.keyArn)).toEqual(service.resolve(clusterKey.keyArn));
    expect(decryptStatements(service)).toEqual([
      {
        Action: 'kms:Decrypt',
        Effect: 'Allow',
        Resource: { 'Fn::ImportValue': expect.stringContaining('ClusterKey') },
        Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } },
      },
    ]);
  });

  it("names the region of the key's stack, not the grantee's", () => {
    const app = testApp();
    const keyStack = new Stack(app, 'Backup', { env: { account: '123456789012', region: 'eu-central-1' } });
    const roleStack = new Stack(app, 'Service', { env: { account: '123456789012', region: 'eu-west-1' } });
    // A stack synthesizes only with a resource; the key the grant names is imported there by ARN.
    new kms.Key(keyStack, 'VaultKey');
    const keyArn = 'arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const role = new iam.Role(roleStack, 'Copier', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    grantDecryptViaSecretsManager(kms.Key.fromKeyArn(keyStack, 'BackupKey', keyArn), role);
    expect(decryptStatements(roleStack)).toEqual([
      { Action: 'kms:Decrypt', Effect: 'Allow', Resource: keyArn, Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-central-1.amazonaws.com' } } },
    ]);
  });
});
