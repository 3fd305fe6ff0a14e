import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import type { StageConfig } from '../../../lib/config';
import { applyStagePolicies, createStage, type StageStacks } from '../../../lib/stacks/stage';
import { testApp } from '../../support/app';
import { nagFindings } from '../../support/nag';

/** The stacks of a stage as the wiring table reads them. */
export type Tier = keyof StageStacks;

/** A stage built exactly as bin/ builds it (createStage, then tags and cdk-nag), synthesized. */
export interface WiredStage {
  readonly config: StageConfig;
  readonly stacks: StageStacks;
  readonly templates: Readonly<Record<Tier, Template>>;
  /** Unsuppressed cdk-nag findings over every stack, read while the assembly exists. */
  readonly nagFindings: string[];
}

export function synthesizeWiredStage(config: StageConfig): WiredStage {
  const outdir = mkdtempSync(path.join(tmpdir(), `bulwark-wiring-${config.stage}-`));
  try {
    const app = testApp({ stage: config.stage }, { outdir });
    const stacks = createStage(app, config);
    applyStagePolicies(app, config);
    if (!stacks.ciDeploy) throw new Error(`the wiring stage ${config.stage} must have a ci section`);
    // Optional stacks a stage leaves off (the LoadTest stack) have no template.
    const present = Object.entries(stacks).filter(([, stack]) => stack !== undefined);
    const templates = Object.fromEntries(present.map(([tier, stack]) => [tier, Template.fromStack(stack)])) as Record<Tier, Template>;
    return { config, stacks, templates, nagFindings: present.flatMap(([, stack]) => nagFindings(stack)) };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** Every resource of `type` in `template`, as its Properties (and DeletionPolicy). */
export function resourcesOf(template: Template, type: string): Array<Record<string, any>> {
  return Object.values(template.findResources(type)).map((resource) => ({ ...(resource.Properties ?? {}), DeletionPolicy: resource.DeletionPolicy }));
}

/** The one resource of `type`; fails naming the count otherwise. */
export function onlyResource(template: Template, type: string): Record<string, any> {
  const found = resourcesOf(template, type);
  if (found.length !== 1) throw new Error(`expected exactly one ${type}, found ${found.length}`);
  return found[0];
}

/** The service's task definition (the one with the App container; the migration task has its own). */
export function serviceTask(stage: WiredStage): Record<string, any> {
  const found = resourcesOf(stage.templates.service, 'AWS::ECS::TaskDefinition').filter((task) => task.ContainerDefinitions.some((c: { Name: string }) => c.Name === 'App'));
  if (found.length !== 1) throw new Error(`expected exactly one task definition with an App container, found ${found.length}`);
  return found[0];
}

/** A container's environment as name → value. */
export function containerEnvironment(stage: WiredStage, containerName: string): Record<string, unknown> {
  const task = serviceTask(stage);
  const container = task.ContainerDefinitions.find((definition: { Name: string }) => definition.Name === containerName);
  if (!container) throw new Error(`no container ${containerName} in the task definition`);
  return Object.fromEntries((container.Environment ?? []).map((variable: { Name: string; Value: unknown }) => [variable.Name, variable.Value]));
}

/** The Lambda function of `tier` whose environment has `variable`, as its properties. */
export function functionWithVariable(stage: WiredStage, tier: Tier, variable: string): Record<string, any> {
  const found = resourcesOf(stage.templates[tier], 'AWS::Lambda::Function').filter((fn) => fn.Environment?.Variables?.[variable] !== undefined);
  if (found.length !== 1) throw new Error(`expected one function in ${tier} with ${variable}, found ${found.length}`);
  return found[0];
}

/** A rule of the web ACL by name, or undefined. */
export function webAclRule(stage: WiredStage, name: string): Record<string, any> | undefined {
  return onlyResource(stage.templates.service, 'AWS::WAFv2::WebACL').Rules.find((rule: { Name: string }) => rule.Name === name);
}
