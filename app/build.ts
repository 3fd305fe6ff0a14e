/**
 * `npm run build:app`: everything the container image needs, in app/dist:
 *   server.js        the esbuild bundle (Fastify, plugins, routes, RDS CA bundle)
 *   migrate.js       the migration step a deploy runs as a one-off task (src/migrate-cli.ts)
 *   migrations/      the SQL files, read at start
 *   package.json     the external packages with the exact versions in the root lockfile
 *   package-lock.json their part of the root lockfile; the Dockerfile's deps stage runs
 *                    `npm ci --omit=dev` on the two
 *   THIRD-PARTY-NOTICES.md  the licences and notices of the packages inlined into the
 *                    bundles (the image ships it; installed packages keep their own files)
 *   bundled-packages.json   the same packages as data, for the app's SBOM (scripts/sbom.ts)
 *
 * `pg` and the OpenTelemetry packages stay external: the instrumentations patch modules
 * through require hooks, which cannot see code inlined into a bundle. @fastify/swagger-ui
 * stays external because it serves its static files from its own package folder. PGlite
 * (the no-database fallback) is external and not shipped: the image always gets a
 * database from the task's secrets.
 */
import { build } from 'esbuild';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUNDLED_PACKAGES_FILE, writeBundledPackages, writeThirdPartyNotices } from '../scripts/third-party/write';
import { lockedVersion, runtimeLockfile, type Lockfile } from './runtime-lockfile';

const root = join(__dirname, '..');
/** The app's folder in the repository's npm workspaces (where its dependencies resolve from). */
const APP_WORKSPACE = 'app';
/** Where `npm run build:app` writes, and the Dockerfile reads. */
export const APP_DIST = join(__dirname, 'dist');

/** Shipped as node_modules in the image. */
export const RUNTIME_EXTERNALS = [
  'pg',
  '@fastify/swagger-ui',
  '@opentelemetry/api',
  '@opentelemetry/core',
  '@opentelemetry/sdk-node',
  '@opentelemetry/sdk-trace-base',
  '@opentelemetry/exporter-trace-otlp-http',
  '@opentelemetry/instrumentation-http',
  '@opentelemetry/instrumentation-pg',
  '@opentelemetry/id-generator-aws-xray',
  '@opentelemetry/propagator-aws-xray',
];
/** Never loaded in the image (optional or dev-only paths). */
const UNSHIPPED_EXTERNALS = ['@electric-sql/pglite', 'pg-native'];

/** Builds into `outDir` (tests build into a directory of their own: app/dist is the image's build context). */
export async function buildApp(outDir = APP_DIST): Promise<void> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const { metafile } = await build({
    entryPoints: { server: join(__dirname, 'src', 'server.ts'), migrate: join(__dirname, 'src', 'migrate-cli.ts') },
    outdir: outDir,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'linked',
    minify: false,
    // Licence comments of the inlined sources (e.g. the formdata-polyfill copyright inside
    // light-my-request) go to <output>.LEGAL.txt, folded into THIRD-PARTY-NOTICES.md.
    legalComments: 'external',
    metafile: true,
    absWorkingDir: root,
    external: [...RUNTIME_EXTERNALS, ...UNSHIPPED_EXTERNALS],
    logLevel: 'warning',
  });
  const bundled = writeThirdPartyNotices(metafile, { workingDir: root, outputBase: outDir, directory: outDir, subject: "The app's bundles (server.js, migrate.js)" });
  writeBundledPackages(join(outDir, BUNDLED_PACKAGES_FILE), bundled);
  cpSync(join(__dirname, 'migrations'), join(outDir, 'migrations'), { recursive: true });

  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as Lockfile;
  const dependencies = Object.fromEntries(RUNTIME_EXTERNALS.map((name) => [name, lockedVersion(lock, APP_WORKSPACE, name)]));
  const manifest = { name: 'bulwark-app-runtime', private: true, version: '1.0.0', main: 'server.js', dependencies };
  writeFileSync(join(outDir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(join(outDir, 'package-lock.json'), `${JSON.stringify(runtimeLockfile(lock, APP_WORKSPACE, manifest), null, 2)}\n`);
}

if (require.main === module) {
  buildApp().catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
}
