#!/usr/bin/env node
/**
 * Another team's CDK app that reuses three Bulwark constructs in its own composition:
 * one stack in another region, its own VPC (a plain `ec2.Vpc`, not Bulwark's `Network`),
 * its own ECS cluster, container image and port, a certificate without a hosted zone,
 * a writer-only database that the service reaches by `connections`, and a WAF with an
 * office allow list and Bot Control but no blocklist sync and no Shield.
 *
 *   npm run synth:example          # cdk synth into cdk.out.example, offline
 *
 * Outside this repository, import from the package instead of '../lib':
 *   import { AuroraDatabase, EdgeProtection, WebService } from '@bulwark-cdk/constructs';
 * The stack itself is in shop-stack.ts.
 */
import { App, Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ShopStack } from './shop-stack';

const app = new App();
new ShopStack(app, 'Shop', { env: { account: '123456789012', region: 'us-east-1' } });
// The same cdk-nag pack Bulwark's own app runs: the constructs pass it here too.
Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
