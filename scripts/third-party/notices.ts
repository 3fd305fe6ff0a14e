/**
 * THIRD-PARTY-NOTICES.md: the attribution Apache-2.0, MIT, BSD and ISC ask of whoever
 * redistributes their code. Every package bundled is listed with its version and licence;
 * every licence, NOTICE and copying file it ships is reproduced in full. Texts that are
 * identical word for word (the AWS SDK's packages share one LICENSE) are printed once and
 * name every package that ships them, so no copyright line is lost to the deduplication.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { BundledPackage, LicenceFile } from './bundled-packages';
import { electedLicenceIds, LicencePolicyError } from './licence-policy';

export const NOTICES_FILE = 'THIRD-PARTY-NOTICES.md';

/** A bundled package with the licence files found in its folder. */
export interface PackageNotice extends BundledPackage {
  readonly files: readonly LicenceFile[];
}

export interface NoticesInput {
  /** What the notices cover, as a sentence subject: "The snapshot-copier Lambda bundle (index.js)". */
  readonly subject: string;
  readonly packages: readonly PackageNotice[];
  /** esbuild's extracted legal comments (legalComments: 'external'), one file per output that had any. */
  readonly legalComments: readonly LicenceFile[];
}

// The SPDX License List's texts (spdx.org/licenses), word for word: compared with the
// spdx-license-list package (6.12.0), whose texts are SPDX's own, when they were added.
const REFERENCE_TEXTS = path.join(__dirname, 'reference-texts');

/**
 * A package that ships no licence file still gets its licence's text: the SPDX reference
 * text (reference-texts/<id>.txt) of every id its licence names.
 */
function referenceText(packageId: string, licenceId: string): string {
  const file = path.join(REFERENCE_TEXTS, `${licenceId}.txt`);
  if (!existsSync(file)) {
    throw new LicencePolicyError(
      `${packageId} is bundled but ships no licence file, and scripts/third-party/reference-texts has no text of ${licenceId}: add the licence's text from https://spdx.org/licenses/${licenceId}.html as ${licenceId}.txt`,
    );
  }
  return readFileSync(file, 'utf8');
}

/** A table cell: a pipe would end it. */
const escapeCell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\s+/g, ' ');

/** Line endings and trailing spaces differ between otherwise identical copies. */
function normalize(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .trim();
}

/** A fence longer than any backtick run in the text, so no licence text can close it early. */
function fenced(text: string): string {
  const longestRun = Math.max(0, ...[...text.matchAll(/`+/g)].map((match) => match[0].length));
  const fence = '`'.repeat(Math.max(3, longestRun + 1));
  return `${fence}text\n${text}\n${fence}`;
}

interface Text {
  readonly body: string;
  /** How the text came, e.g. "Shipped as LICENSE by", → the packages, in order. */
  readonly sources: Map<string, string[]>;
}

export function renderNotices({ subject, packages, legalComments }: NoticesInput): string {
  const texts: Text[] = [];
  const numberOf = (body: string, how: string, packageId: string): number => {
    const normalized = normalize(body);
    let index = texts.findIndex((text) => text.body === normalized);
    if (index < 0) index = texts.push({ body: normalized, sources: new Map() }) - 1;
    const sources = texts[index].sources;
    sources.set(how, [...(sources.get(how) ?? []), packageId]);
    return index + 1;
  };
  const link = (number: number) => `[${number}](#text-${number})`;

  const rows = packages.map((pkg) => {
    const id = `${pkg.name}@${pkg.version}`;
    const shipped = pkg.files.map((file) => `${file.file}: ${link(numberOf(file.text, `Shipped as ${file.file} by`, id))}`);
    // A NOTICE file alone carries attributions, not the licence's terms.
    const hasLicenceText = pkg.files.some((file) => !/^notice/i.test(file.file));
    const reference = hasLicenceText
      ? []
      : [
          ...electedLicenceIds(pkg.license).map((licenceId) => {
            const text = numberOf(referenceText(id, licenceId), `The SPDX reference text of ${licenceId}, for the packages that ship no licence file:`, id);
            return `no licence file; ${licenceId}: ${link(text)}`;
          }),
          // The reference text's copyright line is a placeholder: name the holder the package names.
          pkg.author ? `copyright holder per its package.json: ${escapeCell(pkg.author)}` : 'its package.json names no author',
        ];
    return `| \`${pkg.name}\` | ${pkg.version} | ${pkg.license} | ${[...shipped, ...reference].join(', ')} |`;
  });

  const sections = texts.map((text, index) => {
    const sources = [...text.sources].map(([how, ids]) => `${how} ${ids.map((id) => `\`${id}\``).join(', ')}.`);
    return [`### Text ${index + 1}`, '', ...sources, '', fenced(text.body), ''].join('\n');
  });
  const comments = legalComments.map((comments) => [`Kept by esbuild from the bundled sources (\`${comments.file}\`):`, '', fenced(normalize(comments.text)), ''].join('\n'));

  return [
    '# Third-party notices',
    '',
    `${subject} contains code of the ${packages.length} third-party npm packages below, each with the version bundled, the licence its package.json declares and the licence, notice and copying files it ships. The texts follow, each printed once with every package that ships it; a package that ships no licence file is given its licence's SPDX reference text. Written at build time from esbuild's metafile (scripts/third-party).`,
    '',
    '## Packages',
    '',
    '| Package | Version | Licence | Texts |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
    '## Texts',
    '',
    ...sections,
    ...(comments.length > 0 ? ['## Licence comments in the bundled code', '', ...comments] : []),
  ].join('\n');
}
