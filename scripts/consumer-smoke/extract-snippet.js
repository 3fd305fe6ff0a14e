// Prints, verbatim, the ```ts block that follows the "consumer-snippet" marker in a
// Markdown file: the README's example is the code the consumer smoke test synthesizes.
const { readFileSync } = require('node:fs');

const MARKER = '<!-- consumer-snippet: synthesized verbatim by scripts/consumer-smoke.sh -->';
const markdown = readFileSync(process.argv[2], 'utf8');
const start = markdown.indexOf(MARKER);
if (start < 0) throw new Error(`${process.argv[2]} has no "${MARKER}" line`);
const block = /```ts\n([\s\S]*?)```/.exec(markdown.slice(start));
if (!block) throw new Error(`no \`\`\`ts block after the consumer-snippet marker in ${process.argv[2]}`);
process.stdout.write(block[1]);
