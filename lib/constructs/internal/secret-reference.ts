import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';

/**
 * A reference to `secret` that lives in `scope`'s stack. Granting the execution role read
 * access to a secret (and its key) defined in another stack would write the role's ARN
 * into that stack's key policy, making the database stack depend on this one while this
 * one depends on it for the secret: a cycle. Through a local reference the grants land
 * only in the role's own policy. `id` names the references (`<id>Reference`, `<id>KeyReference`).
 */
export function secretInThisStack(scope: Construct, secret: secretsmanager.ISecret, id: string): secretsmanager.ISecret {
  const inThisStack = (construct: Construct) => Stack.of(construct) === Stack.of(scope);
  const key = secret.encryptionKey;
  // The key matters as much as the secret: a secret referenced here but encrypted by a key
  // of another stack would still put the grant into that stack's key policy.
  if (inThisStack(secret) && (!key || inThisStack(key))) return secret;
  return secretsmanager.Secret.fromSecretAttributes(scope, `${id}Reference`, {
    secretCompleteArn: secret.secretArn,
    encryptionKey: key && (inThisStack(key) ? key : kms.Key.fromKeyArn(scope, `${id}KeyReference`, key.keyArn)),
  });
}

/**
 * Lets `grantee` decrypt with `key` only through Secrets Manager in this region. Written
 * into the grantee's own policy, because `ISecret.grantRead` puts the key half of its grant
 * into the key policy only: for a key in another stack (imported here, see
 * {@link secretInThisStack}) CDK drops that half silently, and GetSecretValue then fails
 * with AccessDenied on kms:Decrypt. The key policy must delegate to IAM (the account root
 * principal), as keys created by CDK and RDS do.
 */
export function grantDecryptViaSecretsManager(key: kms.IKey, grantee: iam.IGrantable): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['kms:Decrypt'],
      resources: [key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(key).region}.amazonaws.com` } },
    }),
  );
}
