import { Match } from 'aws-cdk-lib/assertions';

/** The trust policy a GitHub deploy role must have: GitHub's OIDC tokens, for STS, with exactly `subject`. */
export function githubTrustPolicy(subject: string) {
  return {
    AssumeRolePolicyDocument: {
      Statement: [
        {
          Action: 'sts:AssumeRoleWithWebIdentity',
          Effect: 'Allow',
          Principal: { Federated: Match.anyValue() },
          Condition: {
            StringEquals: {
              'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
              'token.actions.githubusercontent.com:sub': subject,
            },
          },
        },
      ],
    },
  };
}
