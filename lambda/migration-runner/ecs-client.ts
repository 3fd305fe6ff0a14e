import { ECSClient, type ECSClientConfig } from '@aws-sdk/client-ecs';

/**
 * Attempts per ECS call, the first included. Each call is one RunTask or one DescribeTasks,
 * and the provider framework polls again anyway; a few retries ride out throttling without
 * stretching one poll past the function's timeout.
 */
export const ECS_MAX_ATTEMPTS = 4;

/** The ECS client with the runner's retry policy; `overrides` is for tests (endpoint, tiny backoff). */
export function createEcsClient(overrides: Partial<ECSClientConfig> = {}): ECSClient {
  return new ECSClient({ maxAttempts: ECS_MAX_ATTEMPTS, retryMode: 'standard', ...overrides });
}
