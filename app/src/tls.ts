/**
 * HTTPS on the task itself (APP_TLS=self-signed), so the ALB → task hop is encrypted too.
 * The certificate is generated in memory at start-up: the ALB does not verify target
 * certificates (it only needs TLS), so no CA, secret or file has to be provisioned, and a
 * key that never leaves the process needs no rotation. ECDSA P-256: generated in
 * milliseconds and the cheapest handshake for the ALB's many connections.
 */
import type { ServerOptions } from 'node:https';

export type TlsConfig = { readonly mode: 'off' } | { readonly mode: 'self-signed'; readonly commonName: string };

/** A certificate valid from an hour ago (clock skew) for a year; the process restarts long before. */
export async function selfSignedCertificate(commonName: string): Promise<Pick<ServerOptions, 'key' | 'cert'>> {
  const { generate } = await import('selfsigned');
  const now = Date.now();
  const pems = await generate([{ name: 'commonName', value: commonName }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now - 3_600_000),
    notAfterDate: new Date(now + 365 * 24 * 3_600_000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: commonName }] },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}

/** Fastify's `https` option for the config, or undefined for plain HTTP. */
export async function httpsOptions(tls: TlsConfig): Promise<ServerOptions | undefined> {
  if (tls.mode === 'off') return undefined;
  // TLS 1.2 is the floor the ALB's target negotiation and the service's promise share.
  return { ...(await selfSignedCertificate(tls.commonName)), minVersion: 'TLSv1.2' };
}
