#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { loadStageConfig } from '../lib/config';
import { applyStagePolicies, createStage } from '../lib/stacks/stage';

// Select and validate the stage before any construct exists: a bad config fails here,
// with every problem named, instead of half-way through synthesis.
const app = new App();
const config = loadStageConfig(app.node.tryGetContext('stage') ?? 'dev');

createStage(app, config);
applyStagePolicies(app, config);
