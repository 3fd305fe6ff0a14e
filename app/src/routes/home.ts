/**
 * GET /: a small page describing the service. When RUM is configured it loads the
 * CloudWatch RUM web client with the AWS-documented inline snippet. The page's CSP
 * allows exactly that: the inline snippet by its SHA-256 hash (it only changes with the
 * config, so the hash is computed once), the client script from the RUM CDN, and
 * connections to the RUM data plane plus Cognito and STS for the guest credentials.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { RumConfig } from '../config';

const STYLE = 'body{font-family:system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;line-height:1.5}code{background:#f3f3f3;padding:0 .2rem}';

/** JSON that is safe inside a <script> element. */
const scriptJson = (value: unknown): string => JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028|\u2029/g, '');

export function rumSnippet(rum: RumConfig): string {
  const clientUrl = `https://client.rum.us-east-1.amazonaws.com/${rum.clientVersion}/cwr.js`;
  const clientConfig = {
    sessionSampleRate: 1,
    identityPoolId: rum.identityPoolId,
    guestRoleArn: rum.guestRoleArn,
    endpoint: `https://dataplane.rum.${rum.region}.amazonaws.com`,
    telemetries: ['performance', 'errors', 'http'],
    allowCookies: true,
    enableXRay: true,
  };
  const args = ['cwr', rum.appMonitorId, '1.0.0', rum.region, clientUrl, clientConfig].map(scriptJson).join(',');
  return (
    '(function(n,i,v,r,s,c,x,z){x=window.AwsRumClient={q:[],n:n,i:i,v:v,r:r,c:c};' +
    'window[n]=function(c,p){x.q.push({c:c,p:p});};z=document.createElement("script");z.async=true;z.src=s;' +
    `document.head.insertBefore(z,document.head.getElementsByTagName("script")[0]);})(${args});`
  );
}

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

export function homePage(rum: RumConfig | undefined): { html: string; csp: string } {
  const snippet = rum ? rumSnippet(rum) : undefined;
  const directives = [
    "default-src 'none'",
    `style-src ${sha256(STYLE)}`,
    ...(rum && snippet
      ? [
          `script-src ${sha256(snippet)} https://client.rum.us-east-1.amazonaws.com`,
          `connect-src https://dataplane.rum.${rum.region}.amazonaws.com https://cognito-identity.${rum.region}.amazonaws.com https://sts.${rum.region}.amazonaws.com`,
        ]
      : []),
    "img-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ];
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Bulwark notes API</title>
${snippet ? `<script>${snippet}</script>\n` : ''}<style>${STYLE}</style>
</head>
<body>
<h1>Bulwark notes API</h1>
<p>A small notes service. Register with <code>POST /v1/users</code> to receive a bearer token (shown once),
then create, list, read, change and delete your notes under <code>/v1/notes</code>.
<code>GET /v1/me/export</code> returns everything stored about you; <code>DELETE /v1/me</code> erases it.</p>
<p>API reference: <a href="/docs">/docs</a> (OpenAPI document: <a href="/openapi.json">/openapi.json</a>).</p>
</body>
</html>
`;
  return { html, csp: directives.join('; ') };
}

export default async function homeRoutes(app: FastifyInstance, options: { rum?: RumConfig }): Promise<void> {
  const page = homePage(options.rum);
  app.get('/', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').header('content-security-policy', page.csp).header('cache-control', 'public, max-age=300').send(page.html),
  );
}
