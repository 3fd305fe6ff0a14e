/**
 * Turns a synthesized cloud assembly (cdk.out) into an architecture graph and Graphviz DOT.
 * Nothing here is drawn by hand: nodes are the top-level constructs of each stack (with a
 * summary of what they hold), boxes are stacks grouped by region, and edges are what the
 * templates say: a Ref / Fn::GetAtt / Fn::ImportValue from one construct to another, or a
 * physical name (alias, vault, alarm name) defined in one stack and used in another, which
 * is how this project wires regions together without cross-region references.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface StackInfo {
  readonly name: string;
  readonly region: string;
  readonly template: Template;
}

interface Template {
  readonly Resources?: Record<string, Resource>;
  readonly Outputs?: Record<string, { Value?: unknown; Export?: { Name?: unknown } }>;
}

interface Resource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
  readonly DependsOn?: unknown;
}

export interface ComponentNode {
  /** `<stack>/<construct id>`. */
  readonly id: string;
  readonly stack: string;
  readonly label: string;
  /** Resource type → count, glue resources included. */
  readonly resourceTypes: Record<string, number>;
}

export interface Edge {
  readonly from: string;
  readonly to: string;
  readonly kind: 'reference' | 'name';
}

export interface ArchitectureGraph {
  readonly stacks: StackInfo[];
  readonly components: ComponentNode[];
  readonly edges: Edge[];
  /** Components holding an internet-facing load balancer: where clients come in. */
  readonly entryPoints: string[];
}

/** Friendly names of the resources worth showing, most important first. Everything else is glue. */
const HEADLINE_TYPES: ReadonlyArray<readonly [string, string]> = [
  ['AWS::WAFv2::WebACL', 'WAF web ACL'],
  ['AWS::WAFv2::IPSet', 'WAF IP set'],
  ['AWS::Shield::Protection', 'Shield Advanced protection'],
  ['AWS::Shield::ProtectionGroup', 'Shield protection group'],
  ['AWS::ElasticLoadBalancingV2::LoadBalancer', 'Application Load Balancer'],
  ['AWS::ElasticLoadBalancingV2::Listener', 'listener'],
  ['AWS::ECS::Service', 'ECS Fargate service'],
  ['AWS::ApplicationAutoScaling::ScalingPolicy', 'scaling policy'],
  ['AWS::CertificateManager::Certificate', 'ACM certificate'],
  ['AWS::Route53::RecordSet', 'DNS record'],
  ['AWS::Route53::HealthCheck', 'Route 53 health check'],
  ['AWS::RDS::DBCluster', 'Aurora cluster'],
  ['AWS::RDS::DBInstance', 'DB instance'],
  ['AWS::SecretsManager::Secret', 'secret'],
  ['AWS::SecretsManager::RotationSchedule', 'secret rotation'],
  ['AWS::Lambda::Function', 'Lambda function'],
  ['AWS::Events::Rule', 'EventBridge rule'],
  ['AWS::Backup::BackupPlan', 'AWS Backup plan'],
  ['AWS::Backup::BackupVault', 'backup vault'],
  ['AWS::EC2::VPC', 'VPC'],
  ['AWS::EC2::Subnet', 'subnet'],
  ['AWS::EC2::NatGateway', 'NAT gateway'],
  ['AWS::EC2::VPCEndpoint', 'VPC endpoint'],
  ['AWS::EC2::FlowLog', 'flow log'],
  ['AWS::CloudWatch::Dashboard', 'dashboard'],
  ['AWS::CloudWatch::Alarm', 'alarm'],
  ['AWS::CloudWatch::CompositeAlarm', 'composite alarm'],
  ['AWS::SNS::Topic', 'SNS topic'],
  ['AWS::RUM::AppMonitor', 'RUM app monitor'],
  ['AWS::IAM::OIDCProvider', 'OIDC provider'],
  ['AWS::KMS::Key', 'KMS key'],
  ['AWS::S3::Bucket', 'S3 bucket'],
  ['AWS::Logs::LogGroup', 'log group'],
];
const HEADLINE = new Map(HEADLINE_TYPES);
const MAX_LINES = 6;
/** Physical-name properties that other stacks address by name. */
const NAME_PROPERTIES = ['AliasName', 'BackupVaultName', 'AlarmName', 'TopicName', 'RoleName', 'Name'];
const MIN_NAME_LENGTH = 8;

/** Reads the stacks of a cloud assembly directory (`cdk.out/<stage>`), in manifest order. */
export function readAssembly(dir: string): StackInfo[] {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
    artifacts: Record<string, { type: string; environment?: string; displayName?: string; properties?: { templateFile?: string } }>;
  };
  return Object.entries(manifest.artifacts)
    .filter(([, artifact]) => artifact.type === 'aws:cloudformation:stack' && artifact.properties?.templateFile)
    .map(([id, artifact]) => ({
      name: artifact.displayName ?? id,
      region: artifact.environment?.split('/').pop() ?? 'unknown-region',
      template: JSON.parse(readFileSync(join(dir, artifact.properties!.templateFile!), 'utf8')) as Template,
    }));
}

/** CDK's own helpers (metadata, singleton providers): not part of the architecture. */
function isCdkInternal(componentId: string): boolean {
  return componentId === 'CDKMetadata' || /^Custom::|CustomResourceProvider|[0-9a-f]{32}$/.test(componentId);
}

function topLevelId(logicalId: string, resource: Resource): string {
  const path = String(resource.Metadata?.['aws:cdk:path'] ?? '');
  return path.split('/')[1] ?? logicalId;
}

/**
 * The node a resource belongs to: its top-level construct. A top-level construct that is a
 * single resource (an alarm made in the stack itself) joins its siblings of the same type,
 * so ten alarms are one node, not ten.
 */
function componentOf(stack: StackInfo, logicalId: string, resource: Resource, resourcesPerTop: ReadonlyMap<string, number>): string | undefined {
  const top = topLevelId(logicalId, resource);
  if (isCdkInternal(top)) return undefined;
  if (resourcesPerTop.get(top) === 1) return `${stack.name}/${friendly(resource.Type)}s`;
  return `${stack.name}/${top}`;
}

/** `name` as a whole name inside `text`: "bulwark-prod" is not in "alias/bulwark-prod-backup". */
function containsName(text: string, name: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?<![A-Za-z0-9_-])${escaped}(?![A-Za-z0-9_-])`).test(text);
}

function friendly(type: string): string {
  return HEADLINE.get(type) ?? type.split('::').pop()!;
}

/**
 * Every logical id `value` refers to with Ref, Fn::GetAtt or Fn::Sub, and every output of
 * another stack it reads: Fn::ImportValue (an export name) or Fn::GetStackOutput (CDK's
 * weak cross-stack references, recorded as `<stack>|<output>`).
 */
function references(value: unknown, refs: Set<string>, imports: Set<string>): void {
  if (Array.isArray(value)) {
    for (const item of value) references(item, refs, imports);
  } else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'Ref' && typeof inner === 'string') refs.add(inner);
      else if (key === 'Fn::GetAtt') refs.add(Array.isArray(inner) ? String(inner[0]) : String(inner).split('.')[0]);
      else if (key === 'Fn::ImportValue' && typeof inner === 'string') imports.add(inner);
      else if (key === 'Fn::GetStackOutput' && inner && typeof inner === 'object') {
        const { StackName, OutputName } = inner as { StackName?: unknown; OutputName?: unknown };
        imports.add(`${String(StackName)}|${String(OutputName)}`);
      }
      else if (key === 'Fn::Sub') {
        const template = Array.isArray(inner) ? inner[0] : inner;
        for (const match of String(template).matchAll(/\$\{([A-Za-z0-9]+)(\.[A-Za-z0-9.]+)?\}/g)) refs.add(match[1]);
        if (Array.isArray(inner)) references(inner[1], refs, imports);
      } else references(inner, refs, imports);
    }
  }
}

export function buildGraph(stacks: StackInfo[]): ArchitectureGraph {
  const componentTypes = new Map<string, Record<string, number>>();
  const componentStack = new Map<string, string>();
  const ownerOf = new Map<string, string>(); // `${stack}|${logicalId}` → component
  const outputOwner = new Map<string, string>(); // export name or `<stack>|<output>` → component
  const names = new Map<string, string>(); // physical name → component

  for (const stack of stacks) {
    const resources = Object.entries(stack.template.Resources ?? {});
    const resourcesPerTop = new Map<string, number>();
    for (const [logicalId, resource] of resources) {
      const top = topLevelId(logicalId, resource);
      resourcesPerTop.set(top, (resourcesPerTop.get(top) ?? 0) + 1);
    }
    for (const [logicalId, resource] of resources) {
      const component = componentOf(stack, logicalId, resource, resourcesPerTop);
      if (!component) continue;
      ownerOf.set(`${stack.name}|${logicalId}`, component);
      componentStack.set(component, stack.name);
      const types = componentTypes.get(component) ?? {};
      types[resource.Type] = (types[resource.Type] ?? 0) + 1;
      componentTypes.set(component, types);
      for (const property of NAME_PROPERTIES) {
        const name = resource.Properties?.[property];
        if (typeof name === 'string' && name.length >= MIN_NAME_LENGTH) names.set(name, component);
      }
    }
    for (const [outputName, output] of Object.entries(stack.template.Outputs ?? {})) {
      const refs = new Set<string>();
      references(output.Value, refs, new Set());
      const owner = [...refs].map((ref) => ownerOf.get(`${stack.name}|${ref}`)).find(Boolean);
      if (!owner) continue;
      outputOwner.set(`${stack.name}|${outputName}`, owner);
      if (typeof output.Export?.Name === 'string') outputOwner.set(output.Export.Name, owner);
    }
  }

  const edges = new Map<string, Edge>();
  const addEdge = (from: string, to: string | undefined, kind: Edge['kind']) => {
    if (!to || from === to) return;
    const key = `${from}→${to}`;
    if (!edges.has(key) || kind === 'reference') edges.set(key, { from, to, kind });
  };
  const entryPoints = new Set<string>();
  for (const stack of stacks) {
    for (const [logicalId, resource] of Object.entries(stack.template.Resources ?? {})) {
      const component = ownerOf.get(`${stack.name}|${logicalId}`);
      if (!component) continue;
      const refs = new Set<string>();
      const imports = new Set<string>();
      references({ Properties: resource.Properties ?? {}, DependsOn: [] }, refs, imports);
      for (const ref of refs) addEdge(component, ownerOf.get(`${stack.name}|${ref}`), 'reference');
      for (const name of imports) addEdge(component, outputOwner.get(name), 'reference');
      const text = JSON.stringify(resource.Properties ?? {});
      for (const [name, owner] of names) {
        if (componentStack.get(owner) !== stack.name && containsName(text, name)) addEdge(component, owner, 'name');
      }
      if (resource.Type === 'AWS::ElasticLoadBalancingV2::LoadBalancer' && resource.Properties?.Scheme !== 'internal') entryPoints.add(component);
    }
  }

  const components = [...componentTypes.entries()]
    .map(([id, resourceTypes]) => ({ id, stack: componentStack.get(id)!, label: label(id, resourceTypes), resourceTypes }))
    .sort((a, b) => a.id.localeCompare(b.id));
  return {
    stacks,
    components,
    edges: [...edges.values()].sort((a, b) => `${a.from}→${a.to}`.localeCompare(`${b.from}→${b.to}`)),
    entryPoints: [...entryPoints].sort(),
  };
}

function label(id: string, types: Record<string, number>): string {
  const lines = HEADLINE_TYPES.filter(([type]) => types[type]).map(([type, name]) => (types[type] > 1 ? `${types[type]} × ${name}` : name));
  const shown = lines.slice(0, MAX_LINES);
  const total = Object.values(types).reduce((sum, count) => sum + count, 0);
  if (lines.length > MAX_LINES) shown.push(`+ ${lines.length - MAX_LINES} more kinds`);
  return [id.split('/').pop()!, ...shown, `(${total} resources)`].join('\n');
}

function quote(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** Graphviz DOT of the graph: regions contain stacks, stacks contain components. */
export function toDot(graph: ArchitectureGraph, title: string): string {
  const lines = [
    'digraph architecture {',
    `  graph [label=${quote(title)}, labelloc=t, fontsize=20, fontname="Helvetica", rankdir=LR, compound=true, newrank=true, nodesep=0.4, ranksep=0.9];`,
    '  node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="Helvetica", fontsize=11];',
    '  edge [fontname="Helvetica", fontsize=9, color="#555555"];',
  ];
  if (graph.entryPoints.length > 0) lines.push('  clients [label="Clients\\n(HTTPS)", shape=oval, fillcolor="#e8f0fe"];');
  const regions = [...new Set(graph.stacks.map((stack) => stack.region))];
  regions.forEach((region, regionIndex) => {
    lines.push(`  subgraph cluster_region_${regionIndex} {`, `    label=${quote(region)}; style="dashed"; color="#888888"; fontsize=14;`);
    graph.stacks
      .filter((stack) => stack.region === region)
      .forEach((stack) => {
        const stackIndex = graph.stacks.indexOf(stack);
        lines.push(`    subgraph cluster_stack_${stackIndex} {`, `      label=${quote(stack.name)}; style="rounded,filled"; fillcolor="#f5f5f5"; color="#bbbbbb"; fontsize=12;`);
        for (const component of graph.components.filter((c) => c.stack === stack.name)) lines.push(`      ${quote(component.id)} [label=${quote(component.label)}];`);
        lines.push('    }');
      });
    lines.push('  }');
  });
  for (const entry of graph.entryPoints) lines.push(`  clients -> ${quote(entry)} [label="HTTPS", color="#1a73e8", penwidth=1.5];`);
  for (const edge of graph.edges) {
    const style = edge.kind === 'name' ? ' [style=dashed, label="by name"]' : '';
    lines.push(`  ${quote(edge.from)} -> ${quote(edge.to)}${style};`);
  }
  lines.push(
    '  legend [shape=note, fillcolor="#fffde7", fontsize=9, label="Generated by npm run diagram from the synthesized templates.\\nArrow: uses (Ref, GetAtt, ImportValue).\\nDashed: addressed by a deterministic name (no cross-region reference)."];',
    '}',
  );
  return `${lines.join('\n')}\n`;
}
