import { describe, expect, it } from 'vitest';
import { releaseNotes, ReleaseNotesError } from '../../scripts/release/notes';

// What `changeset version` writes: the newest version first, one section per version.
const CHANGELOG = `# @bulwark-cdk/constructs

## 1.3.0

### Minor Changes

- 1a2b3c4: AuroraDatabase takes \`serverless\` capacity.

### Patch Changes

- 5d6e7f8: WebService's health check path is documented.

## 1.2.0

### Major Changes

- 9a8b7c6: Network renames \`natGatewayCount\` to \`natGateways\`.
`;

describe('release notes from CHANGELOG.md', () => {
  it('takes the section of the version, up to the next version', () => {
    expect(releaseNotes(CHANGELOG, '1.3.0')).toBe(
      '### Minor Changes\n\n- 1a2b3c4: AuroraDatabase takes `serverless` capacity.\n\n### Patch Changes\n\n- 5d6e7f8: WebService\'s health check path is documented.\n',
    );
    expect(releaseNotes(CHANGELOG, '1.2.0')).toBe('### Major Changes\n\n- 9a8b7c6: Network renames `natGatewayCount` to `natGateways`.\n');
  });

  it('fails for a version the changelog does not have, naming how it gets one', () => {
    expect(() => releaseNotes(CHANGELOG, '1.3')).toThrow(ReleaseNotesError);
    expect(() => releaseNotes(CHANGELOG, '2.0.0')).toThrow('CHANGELOG.md has no section "## 2.0.0": release a version through a release pull request (npm run release:version)');
  });

  it('fails for an empty section', () => {
    expect(() => releaseNotes('## 1.0.0\n\n## 0.9.0\n- x\n', '1.0.0')).toThrow('CHANGELOG.md\'s section "## 1.0.0" is empty');
  });
});
