/** The `repository` field of a package.json, as npm accepts it. */
export interface RepositoryManifest {
  readonly name?: string;
  readonly repository?: string | { readonly type?: string; readonly url?: string };
}

/** `owner/name` of the GitHub repository a manifest's `repository` names, or undefined. */
export function githubRepositoryOf(manifest: RepositoryManifest): string | undefined;

/** Why `manifest` cannot be published with provenance from `githubRepository`, or undefined. */
export function repositoryMismatch(manifest: RepositoryManifest, githubRepository: string): string | undefined;
