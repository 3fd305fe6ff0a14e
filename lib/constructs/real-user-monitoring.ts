import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as rum from 'aws-cdk-lib/aws-rum';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { skipCheckov } from './internal/checkov';

/** What the RUM web client records. */
export type RumTelemetry = 'errors' | 'performance' | 'http';

export interface RealUserMonitoringProps {
  /** Domain the page is served from (e.g. `api.example.com`); RUM accepts events only from it. */
  readonly domainName: string;
  /**
   * Name of the app monitor; also the `application_name` dimension of its AWS/RUM metrics.
   * Letters, digits, `-`, `_`, `.`, `/` and `#`, at most 255.
   * @default - the construct path made unique
   */
  readonly appMonitorName?: string;
  /**
   * Share of browser sessions recorded (0..1). RUM is priced per event, and the page is a
   * landing page, not the API: every session is cheap and tells the most.
   * @default 1
   */
  readonly sessionSampleRate?: number;
  /**
   * What the web client records.
   * @default ['errors', 'performance', 'http']
   */
  readonly telemetries?: RumTelemetry[];
  /**
   * Also keep the raw RUM events in CloudWatch Logs. Off by default: the metrics and the
   * RUM console need no log copy, and the events hold page URLs and user agents that would
   * then be retained for as long as the log group (costs per GB and widens what holds
   * user data).
   * @default false
   */
  readonly cwLogEnabled?: boolean;
  /**
   * Let the web client send X-Ray trace headers with its HTTP requests, so a page load's
   * trace joins the API's trace.
   * @default true
   */
  readonly enableXRay?: boolean;
}

/**
 * A CloudWatch RUM app monitor for a web page, with the Cognito identity pool whose
 * unauthenticated (guest) identities the RUM web client uses to send events. The guest
 * role can do one thing: rum:PutRumEvents on this monitor, and only identities of this
 * pool can assume it.
 *
 * The pool allows the basic (classic) auth flow because the web client, given a guest role
 * ARN, gets credentials with GetOpenIdToken + STS AssumeRoleWithWebIdentity; the role
 * attachment serves the enhanced flow.
 *
 * The page needs the values of {@link RealUserMonitoring.containerEnvironment} (the app reads
 * RUM_APP_MONITOR_ID, RUM_IDENTITY_POOL_ID, RUM_GUEST_ROLE_ARN and RUM_REGION).
 */
export class RealUserMonitoring extends Construct {
  readonly appMonitor: rum.CfnAppMonitor;
  readonly identityPool: cognito.CfnIdentityPool;
  readonly guestRole: iam.Role;
  /** Name of the app monitor (the `application_name` metric dimension). */
  readonly appMonitorName: string;
  readonly appMonitorArn: string;

  constructor(scope: Construct, id: string, props: RealUserMonitoringProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const sessionSampleRate = props.sessionSampleRate ?? 1;
    if (!(sessionSampleRate >= 0 && sessionSampleRate <= 1)) throw new Error(`sessionSampleRate must be between 0 and 1 (got ${sessionSampleRate})`);
    this.appMonitorName = props.appMonitorName ?? this.node.addr;
    if (!/^[\w.\-/#]{1,255}$/.test(this.appMonitorName)) {
      throw new Error(`appMonitorName must be 1..255 letters, digits, "_", "-", ".", "/" or "#" (got "${this.appMonitorName}")`);
    }
    this.appMonitorArn = stack.formatArn({ service: 'rum', resource: 'appmonitor', resourceName: this.appMonitorName });

    this.identityPool = new cognito.CfnIdentityPool(this, 'IdentityPool', {
      allowUnauthenticatedIdentities: true,
      allowClassicFlow: true,
    });
    NagSuppressions.addResourceSuppressions(this.identityPool, [
      {
        id: 'AwsSolutions-COG7',
        reason:
          'CloudWatch RUM needs guest identities: anonymous visitors of the page send performance and error events. Their role may only call rum:PutRumEvents on this one app monitor.',
      },
    ]);
    skipCheckov(this.identityPool, [
      { id: 'CKV_AWS_366', comment: 'Guest identities are what CloudWatch RUM runs on; see the AwsSolutions-COG7 reason.' },
    ]);

    this.guestRole = new iam.Role(this, 'GuestRole', {
      description: 'Unauthenticated visitors of the page: send events to the CloudWatch RUM app monitor, nothing else',
      assumedBy: new iam.FederatedPrincipal(
        'cognito-identity.amazonaws.com',
        {
          StringEquals: { 'cognito-identity.amazonaws.com:aud': this.identityPool.ref },
          'ForAnyValue:StringLike': { 'cognito-identity.amazonaws.com:amr': 'unauthenticated' },
        },
        'sts:AssumeRoleWithWebIdentity',
      ),
      maxSessionDuration: Duration.hours(1),
    });
    this.guestRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['rum:PutRumEvents'], resources: [this.appMonitorArn] }));
    new cognito.CfnIdentityPoolRoleAttachment(this, 'RoleAttachment', {
      identityPoolId: this.identityPool.ref,
      roles: { unauthenticated: this.guestRole.roleArn },
    });

    this.appMonitor = new rum.CfnAppMonitor(this, 'AppMonitor', {
      name: this.appMonitorName,
      domain: props.domainName,
      cwLogEnabled: props.cwLogEnabled ?? false,
      appMonitorConfiguration: {
        allowCookies: true,
        enableXRay: props.enableXRay ?? true,
        sessionSampleRate,
        telemetries: props.telemetries ?? ['errors', 'performance', 'http'],
        identityPoolId: this.identityPool.ref,
        guestRoleArn: this.guestRole.roleArn,
      },
    });
  }

  /** The variables the app's page reads to load the RUM web client. */
  containerEnvironment(): Record<string, string> {
    return {
      RUM_APP_MONITOR_ID: this.appMonitor.attrId,
      RUM_IDENTITY_POOL_ID: this.identityPool.ref,
      RUM_GUEST_ROLE_ARN: this.guestRole.roleArn,
      RUM_REGION: Stack.of(this).region,
    };
  }

  /** Any AWS/RUM metric of this app monitor. */
  metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/RUM',
      metricName,
      dimensionsMap: { application_name: this.appMonitorName },
      period: Duration.minutes(5),
      statistic: 'Sum',
      ...props,
    });
  }

  /** JavaScript errors in the page (Sum). */
  metricJsErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('JsErrorCount', { label: 'JavaScript errors', ...props });
  }

  /** Failed HTTP requests the page made (Sum). */
  metricHttpErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('HttpErrorCount', { label: 'HTTP errors', ...props });
  }

  metricSessions(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('SessionCount', { label: 'Sessions', ...props });
  }

  metricPageViews(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('PageViewCount', { label: 'Page views', ...props });
  }

  /** Page load (navigation) duration in milliseconds. @default p90 */
  metricNavigationDuration(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('PerformanceNavigationDuration', { statistic: 'p90', label: 'Navigation duration p90', ...props });
  }
}
