/**
 * The lockfile the image installs its external packages from (`npm ci` in the
 * Dockerfile): the part of the repository's package-lock.json those packages need, so the
 * image gets exactly the versions and integrity hashes the tests ran with.
 */

interface LockPackage {
  readonly version?: string;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly optionalDependencies?: Readonly<Record<string, string>>;
  readonly peerDependencies?: Readonly<Record<string, string>>;
  readonly peerDependenciesMeta?: Readonly<Record<string, { readonly optional?: boolean }>>;
  readonly dev?: boolean;
  readonly devOptional?: boolean;
  readonly [field: string]: unknown;
}

export interface Lockfile {
  readonly packages: Readonly<Record<string, LockPackage>>;
}

/** Where Node finds `name` from the package at `from` (a lockfile path, '' for the root). */
function resolve(lock: Lockfile, from: string, name: string): string | undefined {
  for (let base = from; ; ) {
    const candidate = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
    if (lock.packages[candidate]) return candidate;
    if (!base) return undefined;
    const parent = base.lastIndexOf('/node_modules/');
    base = parent < 0 ? '' : base.slice(0, parent);
  }
}

/** The version of `name` that the workspace `workspace` of the repository resolves to. */
export function lockedVersion(lock: Lockfile, workspace: string, name: string): string {
  const found = resolve(lock, workspace, name);
  const version = found && lock.packages[found].version;
  if (!version) throw new Error(`${name} is not in package-lock.json; run npm install at the repository root`);
  return version;
}

/**
 * A lockfile (v3) for a manifest whose dependencies are `dependencies`, resolved from the
 * workspace `workspace` of the repository's lockfile: every package reachable from them,
 * at the path npm would install it, without the dev flags of the repository.
 */
export function runtimeLockfile(lock: Lockfile, workspace: string, manifest: { name: string; version: string; dependencies: Record<string, string> }): object {
  const packages: Record<string, LockPackage> = {};
  const pending: Array<{ from: string; name: string; optional: boolean }> = Object.keys(manifest.dependencies).map((name) => ({ from: workspace, name, optional: false }));
  while (pending.length > 0) {
    const { from, name, optional } = pending.pop()!;
    const found = resolve(lock, from, name);
    if (!found) {
      if (optional) continue;
      throw new Error(`${name} (needed by ${from || 'the image'}) is not in package-lock.json: run npm install at the repository root`);
    }
    // A workspace's own node_modules become the image's top level.
    const target = found.startsWith(`${workspace}/`) ? found.slice(workspace.length + 1) : found;
    if (packages[target]) continue;
    const { dev, devOptional, ...entry } = lock.packages[found];
    packages[target] = entry;
    const optionalPeers = entry.peerDependenciesMeta ?? {};
    for (const dependency of Object.keys(entry.dependencies ?? {})) pending.push({ from: found, name: dependency, optional: false });
    for (const dependency of Object.keys(entry.optionalDependencies ?? {})) pending.push({ from: found, name: dependency, optional: true });
    for (const dependency of Object.keys(entry.peerDependencies ?? {})) pending.push({ from: found, name: dependency, optional: optionalPeers[dependency]?.optional === true });
  }
  const sorted = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => a.localeCompare(b)));
  return {
    name: manifest.name,
    version: manifest.version,
    lockfileVersion: 3,
    requires: true,
    packages: { '': { name: manifest.name, version: manifest.version, dependencies: manifest.dependencies }, ...sorted },
  };
}
