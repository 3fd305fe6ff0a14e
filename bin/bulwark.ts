#!/usr/bin/env node
import { App, Aspects, Tags } from 'aws-cdk-lib';
import { AwsSolutionsChecks, NIST80053R5Checks } from 'cdk-nag';
import { loadStageConfig } from '../lib/config';
import { createStage } from '../lib/stacks/stage';

// Select and validate the stage before any construct exists: a bad config fails here,
// with every problem named, instead of half-way through synthesis.
const app = new App();
const config = loadStageConfig(app.node.tryGetContext('stage') ?? 'dev');

createStage(app, config);

for (const [key, value] of Object.entries(config.tags)) Tags.of(app).add(key, value);
Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
// The NIST 800-53 rev 5 pack too: every finding is fixed or accepted with its reason next to the code.
Aspects.of(app).add(new NIST80053R5Checks({ verbose: true }));
