/** `npm run loadtest -- --local` end to end: plan, two in-process workers, merge, verdict, report and plot on disk. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runLoadTestCommand, runSettings } from '../../loadtest/command';
import { parseLoadTestArgs } from '../../loadtest/options';
import { STAGES } from '../../lib/config';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const noAws = () => {
  throw new Error('a local run must not make AWS clients');
};

describe('npm run loadtest -- --local', () => {
  it('runs the stage\'s ramp locally and writes a report judged against the stage\'s SLO, with the plot beside it', async () => {
    const out = await mkdtemp(join(tmpdir(), 'loadtest-report-'));
    dirs.push(out);
    const log: string[] = [];
    const result = await runLoadTestCommand(['--stage', 'dev', '--local', '--rate', '40', '--duration', '2s', '--warm-up', '1s', '--workers', '2', '--out', out], {
      awsClients: noAws,
      log: (m) => log.push(m),
      now: () => new Date('2026-12-02T01:02:03.456Z'),
    });
    expect(result.reportPath).toBe(join(out, 'dev-local-20261202t010203', 'report.md'));
    expect(result.steps.map((s) => [s.step, s.targetRate, s.workers])).toEqual([
      ['warmup', 10, 2],
      ['step-1-25pct', 10, 2],
      ['step-2-50pct', 20, 2],
      ['step-3-100pct', 40, 2],
      ['step-4-120pct', 48, 2],
    ]);
    expect(result.verdict.step).toBe('step-3-100pct');
    const report = await readFile(result.reportPath, 'utf8');
    expect(report).toMatch(new RegExp(`^\\*\\*${result.verdict.pass ? 'PASS' : 'FAIL'}\\*\\* \\(judged at step-3-100pct\\)`, 'm'));
    expect(report).toContain('Objective: p99 ≤ 50 ms and 99.9 % availability');
    expect(report).toMatch(/^\| step-3-100pct \| 2 \| 40 \| /m);
    expect(report).toMatch(/The same rate from one process \(40 requests\/s, one autocannon instance\): p99 [\d.]+ ms/);
    expect(report).toContain('![latency over time](latency.svg)');
    const svg = await readFile(join(dirname(result.reportPath), 'latency.svg'), 'utf8');
    expect(svg).toMatch(/^<svg /);
    expect(log.some((m) => m.startsWith('step-3-100pct: 40 requests/s over 2 workers'))).toBe(true);
  });

  it('refuses more workers than the stage\'s state machine runs at once, on AWS', () => {
    expect(() => runSettings(parseLoadTestArgs(['--stage', 'prod', '--workers', '11']), STAGES.prod, 'r')).toThrow('--workers 11 is more than the 10 the stage\'s state machine runs at once (loadTest.workers)');
    expect(runSettings(parseLoadTestArgs(['--stage', 'prod']), STAGES.prod, 'r')).toEqual({ runId: 'r', targetRate: 10_000, workers: 10, rampPercents: [25, 50, 100, 120], warmUpSeconds: 120, stepSeconds: 600 });
  });

  it('names an unknown stage before anything runs', async () => {
    await expect(runLoadTestCommand(['--stage', 'staging', '--local'], { awsClients: noAws, log: () => undefined })).rejects.toThrow(/Unknown stage "staging"/);
  });
});
