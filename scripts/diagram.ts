/**
 * Regenerates docs/architecture.svg from the synthesized app: synthesizes a stage (offline,
 * into cdk.out.diagram/<stage> so it never races a developer's cdk.out), builds the graph
 * from the templates and renders it with Graphviz compiled to WebAssembly (no system
 * packages needed).
 *
 *   npm run diagram                          # prod, writes docs/architecture.svg and .dot
 *   npm run diagram -- --stage dev --out /tmp/dev.svg
 *   npm run diagram -- --assembly cdk.out/prod   # reuse an existing synth
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildGraph, readAssembly, toDot } from './diagram/architecture-graph';
import { renderSvg } from './diagram/render';

const ROOT = join(__dirname, '..');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      stage: { type: 'string', default: 'prod' },
      out: { type: 'string', default: join(ROOT, 'docs', 'architecture.svg') },
      assembly: { type: 'string' },
    },
  });
  const stage = values.stage!;
  let assembly = values.assembly;
  if (!assembly) {
    assembly = join(ROOT, 'cdk.out.diagram', stage);
    console.error(`synthesizing stage ${stage} into ${assembly} ...`);
    execFileSync(join(ROOT, 'node_modules', '.bin', 'cdk'), ['synth', '--quiet', '--context', `stage=${stage}`, '--output', assembly], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const graph = buildGraph(readAssembly(assembly));
  const dot = toDot(graph, `Bulwark, stage ${stage}: stacks, constructs and how they reference each other`);
  const svg = await renderSvg(dot);
  mkdirSync(dirname(values.out!), { recursive: true });
  writeFileSync(values.out!, svg);
  writeFileSync(values.out!.replace(/\.svg$/, '.dot'), dot);
  console.error(`wrote ${values.out} (${graph.components.length} components in ${graph.stacks.length} stacks, ${graph.edges.length} edges)`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
