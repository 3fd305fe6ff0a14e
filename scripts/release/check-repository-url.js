// Fails a publish whose package.json `repository.url` does not name the GitHub repository
// the workflow runs in: npm rejects such a provenance statement, but only after the build,
// the OIDC exchange and the signing. release.yml's publish job pipes the manifest of the
// very tarball it is about to publish into this script:
//
//   tar -xzOf PACKAGE.tgz package/package.json | node scripts/release/check-repository-url.js "$GITHUB_REPOSITORY"
//
// Plain CommonJS on purpose: the publish job runs it with Node alone and installs nothing,
// so no dependency's code runs beside the OIDC token. Types: check-repository-url.d.ts.
'use strict';

// The spellings npm accepts for a GitHub repository: URLs (git+https, https, git, ssh,
// git+ssh), scp-like `git@github.com:owner/name.git`, and the `github:` / `owner/name` shorthands.
const GITHUB_URL = /^(?:git\+)?(?:https?|git|ssh):\/\/(?:[^@/]+@)?github\.com[:/]([^/]+)\/([^/]+?)(?:\.git)?\/?$/;
const GITHUB_SCP = /^git@github\.com:([^/]+)\/([^/]+?)(?:\.git)?$/;
const GITHUB_SHORTHAND = /^(?:github:)?([\w.-]+)\/([\w.-]+?)(?:\.git)?$/;

/** `owner/name` of the GitHub repository a manifest's `repository` names, or undefined. */
function githubRepositoryOf(manifest) {
  const repository = manifest.repository;
  const url = typeof repository === 'string' ? repository : repository && repository.url;
  if (typeof url !== 'string') return undefined;
  const match = GITHUB_URL.exec(url) || GITHUB_SCP.exec(url) || GITHUB_SHORTHAND.exec(url);
  return match ? `${match[1]}/${match[2]}` : undefined;
}

/** Why `manifest` cannot be published with provenance from `githubRepository`, or undefined. */
function repositoryMismatch(manifest, githubRepository) {
  const named = githubRepositoryOf(manifest);
  if (named === githubRepository) return undefined;
  const url = typeof manifest.repository === 'string' ? manifest.repository : manifest.repository && manifest.repository.url;
  const found = url === undefined ? 'package.json has no repository.url' : `package.json repository.url is ${JSON.stringify(url)}${named ? ` (${named})` : ', not a GitHub repository'}`;
  const hint = named && named.toLowerCase() === githubRepository.toLowerCase() ? ' (only the letter case differs, and npm compares it as written)' : '';
  return (
    `${found}, but this workflow runs in ${githubRepository}${hint}: npm rejects a provenance statement whose repository does not match the one that built it. ` +
    `Set "repository": { "type": "git", "url": "git+https://github.com/${githubRepository}.git" } in package.json (README.md, "Releasing the library").`
  );
}

module.exports = { githubRepositoryOf, repositoryMismatch };

if (require.main === module) {
  const githubRepository = process.argv[2];
  if (!githubRepository) {
    console.error('usage: tar -xzOf PACKAGE.tgz package/package.json | node scripts/release/check-repository-url.js OWNER/NAME');
    process.exit(2);
  }
  let manifest;
  try {
    manifest = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
  } catch (error) {
    console.error(`::error::check-repository-url: the package.json on stdin is not JSON: ${error.message}`);
    process.exit(2);
  }
  const mismatch = repositoryMismatch(manifest, githubRepository);
  if (mismatch) {
    console.error(`::error title=package.json repository.url::${mismatch}`);
    process.exit(1);
  }
  console.log(`check-repository-url: ${manifest.name} names ${githubRepository}, the repository publishing it`);
}
