/**
 * Which completed requests get a log line (app/src/logging.ts), with the clock and the
 * sampling dice injected: slow requests are logged within a budget per second, and the
 * lines left out are counted on the next one, so an overloaded task does not spend its
 * CPU logging nearly every request.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { RequestLogController } from '../../app/src/logging';

interface Line {
  level: 'info' | 'error';
  fields: Record<string, unknown>;
}

function harness(slowRequestLogsPerSecond: number) {
  let nowMs = 1_000_000;
  const lines: Line[] = [];
  const controller = new RequestLogController({ sampleRate: 0, slowRequestMs: 50, slowRequestLogsPerSecond, random: () => 0.5, now: () => nowMs });
  const complete = (statusCode: number, elapsedTime: number, error?: Error): void => {
    const reply = {
      statusCode,
      elapsedTime,
      log: { info: (fields: Record<string, unknown>) => lines.push({ level: 'info', fields }), error: (fields: Record<string, unknown>) => lines.push({ level: 'error', fields }) },
    } as unknown as FastifyReply;
    controller.requestCompleted(error, { method: 'GET', url: '/v1/notes' } as FastifyRequest, reply);
  };
  return { lines, complete, advance: (ms: number) => (nowMs += ms) };
}

describe('request log lines', () => {
  it('log slow requests up to the budget per second, then count the rest on the next slow line', () => {
    const { lines, complete, advance } = harness(3);
    for (let i = 0; i < 10; i++) complete(200, 80);
    expect(lines).toHaveLength(3);
    advance(999);
    complete(200, 80);
    expect(lines).toHaveLength(3);
    advance(1);
    complete(200, 80);
    expect(lines).toHaveLength(4);
    expect(lines[3].fields).toMatchObject({ statusCode: 200, responseTime: 80, slowRequestsNotLogged: 8 });
    complete(200, 90);
    expect(lines[4].fields.slowRequestsNotLogged).toBeUndefined();
  });

  it('never hold back errors and 4xx/5xx answers, however many slow requests were logged', () => {
    const { lines, complete } = harness(1);
    complete(200, 80);
    complete(200, 80);
    complete(404, 80);
    complete(500, 80, new Error('boom'));
    expect(lines.map((line) => [line.level, line.fields.statusCode])).toEqual([
      ['info', 200],
      ['info', 404],
      ['error', 500],
    ]);
  });

  it('sample fast successful requests at the sample rate (0 here: none)', () => {
    const { lines, complete } = harness(100);
    for (let i = 0; i < 5; i++) complete(200, 10);
    expect(lines).toHaveLength(0);
  });
});
