import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { testApp } from '../../support/app';
import { PINNED_TYPES } from './replacement-sensitive';

/** What CloudFormation does with a resource it removes or replaces; absent means Delete. */
export type RetentionPolicy = 'Delete' | 'Snapshot' | 'Retain' | 'RetainExceptOnCreate';

/**
 * A pinned resource: its type, what happens to it when it is removed (DeletionPolicy) or
 * replaced (UpdateReplacePolicy), written only when set, and the replacement-sensitive
 * properties it sets.
 */
export interface PinnedResource {
  readonly Type: string;
  readonly DeletionPolicy?: RetentionPolicy;
  readonly UpdateReplacePolicy?: RetentionPolicy;
  readonly Properties: Record<string, unknown>;
}

/** The resource attributes a snapshot reads from the synthesized template. */
interface SynthesizedResource {
  readonly Type: string;
  readonly DeletionPolicy?: RetentionPolicy;
  readonly UpdateReplacePolicy?: RetentionPolicy;
  readonly Properties?: Record<string, unknown>;
}

/**
 * What a subject's baseline records, keyed by `<stack name>/<logical ID>`: the stateful and
 * identity-bearing resources with their replacement-sensitive properties and, for a
 * construct of the library, the logical IDs of every other resource it creates.
 */
export interface LogicalIdSnapshot {
  readonly pinned: Record<string, PinnedResource>;
  readonly replaceable?: string[];
}

/** One row of the table: something whose resources users update in place. */
export interface LogicalIdSubject {
  /** The baseline's file name and the name in messages: the construct's class name. */
  readonly name: string;
  /**
   * `construct`: a construct of the package, built in a fresh app; its resources are those
   * under the construct it returns. `stage`: this repository's stage, all of its stacks.
   */
  readonly kind: 'construct' | 'stage';
  /** Builds the subject in `app` and returns the construct whose resources are pinned. */
  readonly build: (app: App) => IConstruct;
}

/** Synthesizes `subject` in a fresh app (cdk.json's feature flags) and snapshots it. */
export function snapshotSubject(subject: LogicalIdSubject): LogicalIdSnapshot {
  const outdir = mkdtempSync(path.join(tmpdir(), 'bulwark-logical-ids-'));
  try {
    const app = testApp({}, { outdir });
    return snapshotOf(subject.build(app), app, { allLogicalIds: subject.kind === 'construct' });
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

function snapshotOf(root: IConstruct, app: App, options: { allLogicalIds: boolean }): LogicalIdSnapshot {
  const assembly = app.synth();
  const pinned: Record<string, PinnedResource> = {};
  const replaceable: string[] = [];
  for (const resource of root.node.findAll().filter(CfnResource.isCfnResource)) {
    const stack = Stack.of(resource);
    const logicalId = stack.resolve(resource.logicalId) as string;
    const template = assembly.getStackArtifact(stack.artifactId).template as { Resources: Record<string, SynthesizedResource> };
    const synthesized = template.Resources[logicalId];
    if (!synthesized) throw new Error(`${resource.node.path} (${logicalId}) is not in the template of ${stack.stackName}`);
    const key = `${stack.stackName}/${logicalId}`;
    const pinnedType = PINNED_TYPES[synthesized.Type];
    const properties = synthesized.Properties ?? {};
    if (pinnedType && (pinnedType.appliesTo?.(properties) ?? true)) {
      const { DeletionPolicy, UpdateReplacePolicy } = synthesized;
      pinned[key] = { Type: synthesized.Type, DeletionPolicy, UpdateReplacePolicy, Properties: pick(properties, pinnedType.properties) };
    } else if (options.allLogicalIds) {
      replaceable.push(key);
    }
  }
  return options.allLogicalIds ? { pinned: sortKeys(pinned), replaceable: replaceable.sort() } : { pinned: sortKeys(pinned) };
}

function pick(properties: Record<string, unknown>, names: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(names.filter((name) => properties[name] !== undefined).map((name) => [name, properties[name]]));
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}
