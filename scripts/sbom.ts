/**
 * CycloneDX SBOMs of what the build ships, from the lockfile npm installed (npm >= 10's
 * `npm sbom`):
 *   - sbom/app.cdx.json      the web app's runtime dependencies (bundled into the image or
 *                            installed in it), type application;
 *   - sbom/library.cdx.json  the construct library package's runtime dependencies, type library.
 * Dev dependencies are left out: they never reach the image or a consumer's install.
 * Usage: `npm run sbom [-- OUTPUT_DIR]` (CI keeps the folder as a workflow artifact).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');

/** What one SBOM covers: the npm workspace (none for the root package) and its CycloneDX type. */
export interface SbomTarget {
  readonly file: string;
  readonly packageJson: string;
  readonly workspaceArgs: readonly string[];
  readonly type: 'application' | 'library';
}

export const SBOM_TARGETS: readonly SbomTarget[] = [
  { file: 'app.cdx.json', packageJson: 'app/package.json', workspaceArgs: ['--workspace', 'app'], type: 'application' },
  { file: 'library.cdx.json', packageJson: 'package.json', workspaceArgs: ['--workspaces=false'], type: 'library' },
];

interface CycloneDx {
  readonly bomFormat: string;
  readonly metadata: { component: { name: string; version: string; [key: string]: unknown }; [key: string]: unknown };
  readonly components?: readonly { name: string; version: string }[];
}

/**
 * npm names the root component after the checkout's folder; the SBOM must name the package
 * that is shipped, so the name and version come from its package.json.
 */
export function nameRootComponent(bom: CycloneDx, manifest: { name: string; version: string }): CycloneDx {
  if (bom.bomFormat !== 'CycloneDX') throw new Error(`npm sbom returned ${bom.bomFormat}, not CycloneDX`);
  return { ...bom, metadata: { ...bom.metadata, component: { ...bom.metadata.component, name: manifest.name, version: manifest.version } } };
}

export function generateSbom(target: SbomTarget): CycloneDx {
  const output = execFileSync('npm', ['sbom', '--sbom-format', 'cyclonedx', '--sbom-type', target.type, '--omit', 'dev', ...target.workspaceArgs], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const manifest = JSON.parse(readFileSync(path.join(ROOT, target.packageJson), 'utf8'));
  return nameRootComponent(JSON.parse(output), manifest);
}

if (require.main === module) {
  const outputDir = path.resolve(process.argv[2] ?? path.join(ROOT, 'sbom'));
  mkdirSync(outputDir, { recursive: true });
  for (const target of SBOM_TARGETS) {
    const bom = generateSbom(target);
    writeFileSync(path.join(outputDir, target.file), `${JSON.stringify(bom, null, 2)}\n`);
    console.log(`${target.file}: ${bom.metadata.component.name}@${bom.metadata.component.version}, ${bom.components?.length ?? 0} components`);
  }
}
