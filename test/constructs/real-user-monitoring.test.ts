import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { RealUserMonitoring } from '../../lib/constructs/real-user-monitoring';
import { applyNag, expectNoNagFindings } from '../support/nag';

describe('RealUserMonitoring', () => {
  let stack: Stack;
  let rum: RealUserMonitoring;
  let template: Template;
  beforeAll(() => {
    stack = new Stack(new App(), 'Service', { env: { account: '123456789012', region: 'eu-west-1' } });
    applyNag(stack);
    rum = new RealUserMonitoring(stack, 'Rum', { domainName: 'api.example.com', appMonitorName: 'bulwark-test' });
    template = Template.fromStack(stack);
  });

  it('has zero unsuppressed cdk-nag findings', () => {
    expectNoNagFindings(stack);
  });

  it('creates an app monitor for the domain: errors, performance and http, X-Ray, no log copy', () => {
    template.hasResourceProperties('AWS::RUM::AppMonitor', {
      Name: 'bulwark-test',
      Domain: 'api.example.com',
      CwLogEnabled: false,
      AppMonitorConfiguration: {
        AllowCookies: true,
        EnableXRay: true,
        SessionSampleRate: 1,
        Telemetries: ['errors', 'performance', 'http'],
        IdentityPoolId: { Ref: Match.stringLikeRegexp('^RumIdentityPool') },
        GuestRoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RumGuestRole'), 'Arn'] },
      },
    });
  });

  it('gives guests of the identity pool a role that can only put events into this monitor', () => {
    template.hasResourceProperties('AWS::Cognito::IdentityPool', { AllowUnauthenticatedIdentities: true, AllowClassicFlow: true });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: 'sts:AssumeRoleWithWebIdentity',
            Principal: { Federated: 'cognito-identity.amazonaws.com' },
            Condition: {
              StringEquals: { 'cognito-identity.amazonaws.com:aud': { Ref: Match.stringLikeRegexp('^RumIdentityPool') } },
              'ForAnyValue:StringLike': { 'cognito-identity.amazonaws.com:amr': 'unauthenticated' },
            },
          },
        ],
      },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [{ Effect: 'Allow', Action: 'rum:PutRumEvents', Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':rum:eu-west-1:123456789012:appmonitor/bulwark-test']] } }],
      },
    });
    template.hasResourceProperties('AWS::Cognito::IdentityPoolRoleAttachment', {
      Roles: { unauthenticated: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RumGuestRole'), 'Arn'] } },
    });
  });

  it('hands the app the four RUM variables', () => {
    expect(stack.resolve(rum.containerEnvironment())).toEqual({
      RUM_APP_MONITOR_ID: { 'Fn::GetAtt': [expect.stringMatching(/^RumAppMonitor/), 'Id'] },
      RUM_IDENTITY_POOL_ID: { Ref: expect.stringMatching(/^RumIdentityPool/) },
      RUM_GUEST_ROLE_ARN: { 'Fn::GetAtt': [expect.stringMatching(/^RumGuestRole/), 'Arn'] },
      RUM_REGION: 'eu-west-1',
    });
  });

  it('reads its metrics from AWS/RUM by application name', () => {
    const metric = rum.metricJsErrors();
    expect(metric.namespace).toBe('AWS/RUM');
    expect(metric.metricName).toBe('JsErrorCount');
    expect(metric.dimensions).toEqual({ application_name: 'bulwark-test' });
    expect(rum.metricNavigationDuration().statistic).toBe('p90');
  });

  it('names the prop at fault', () => {
    expect(() => new RealUserMonitoring(new Stack(), 'R', { domainName: 'a.example.com', sessionSampleRate: 2 })).toThrow(/sessionSampleRate/);
    expect(() => new RealUserMonitoring(new Stack(), 'R', { domainName: 'a.example.com', appMonitorName: 'bad name' })).toThrow(/appMonitorName/);
  });
});
