#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { loadStageConfig, withLoadTestEnabled } from '../lib/config';
import { applyStagePolicies, createStage } from '../lib/stacks/stage';

// Select and validate the stage before any construct exists: a bad config fails here,
// with every problem named, instead of half-way through synthesis.
const app = new App();
const stageConfig = loadStageConfig(app.node.tryGetContext('stage') ?? 'dev');
// The load test is opt-in: on in the stage's config, or for this one synthesis.
const config = app.node.tryGetContext('loadTest') === 'enabled' ? withLoadTestEnabled(stageConfig) : stageConfig;

createStage(app, config);
applyStagePolicies(app, config);
