#!/usr/bin/env node
/**
 * The synthesis baseline: the smallest app with the same kinds of resource as Bulwark's
 * prod stage (a VPC, an ALB-fronted Fargate service, an Aurora cluster), with none of
 * its hardening, config validation, Lambdas or cdk-nag. bench/synth.ts times it beside
 * the real app in the same run.
 */
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as ecsPatterns from 'aws-cdk-lib/aws-ecs-patterns';
import * as rds from 'aws-cdk-lib/aws-rds';

const app = new App();
// Environment-agnostic, so the VPC needs no availability-zone lookup.
const stack = new Stack(app, 'MinimalBaseline');
const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
new ecsPatterns.ApplicationLoadBalancedFargateService(stack, 'Service', {
  vpc,
  taskImageOptions: { image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable') },
});
new rds.DatabaseCluster(stack, 'Database', {
  engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_17_9 }),
  vpc,
  writer: rds.ClusterInstance.serverlessV2('writer'),
  readers: [rds.ClusterInstance.serverlessV2('reader', { scaleWithWriter: true })],
});
