/**
 * The report's latency-over-time plot as a standalone SVG: each step's merged p50 and p99
 * (from the workers' histograms) as segments over the step's window, the ALB's per-minute
 * p99 as a line where CloudWatch has it, and the objective as a dashed line.
 */
import type { StepReport } from './aggregate';
import type { ServiceMetricPoint } from './service-metrics';

const WIDTH = 800;
const HEIGHT = 360;
const MARGIN = { left: 60, right: 20, top: 20, bottom: 40 };

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function latencyPlot(steps: readonly StepReport[], metrics: readonly ServiceMetricPoint[], objectiveMs: number): string {
  if (steps.length === 0) throw new Error('latencyPlot needs at least one step');
  const start = Math.min(...steps.map((s) => Date.parse(s.startedAt)));
  const end = Math.max(...steps.map((s) => Date.parse(s.endedAt)), start + 1000);
  const albPoints = metrics.filter((m) => m.albP99Ms !== undefined);
  const top = Math.max(objectiveMs * 1.5, ...steps.map((s) => s.p99Ms), ...albPoints.map((m) => m.albP99Ms!)) * 1.1;
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (time: number) => MARGIN.left + ((time - start) / (end - start)) * plotWidth;
  const y = (ms: number) => MARGIN.top + plotHeight - (ms / top) * plotHeight;
  const fmt = (n: number) => n.toFixed(1);
  const segment = (s: StepReport, ms: number, colour: string) =>
    `<line x1="${fmt(x(Date.parse(s.startedAt)))}" y1="${fmt(y(ms))}" x2="${fmt(x(Date.parse(s.endedAt)))}" y2="${fmt(y(ms))}" stroke="${colour}" stroke-width="3"/>`;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const ms = top * f;
    return `<text x="${MARGIN.left - 6}" y="${fmt(y(ms) + 4)}" text-anchor="end">${ms.toFixed(0)}</text><line x1="${MARGIN.left}" y1="${fmt(y(ms))}" x2="${WIDTH - MARGIN.right}" y2="${fmt(y(ms))}" stroke="#eee"/>`;
  });
  const stepLabels = steps.map((s) => `<text x="${fmt((x(Date.parse(s.startedAt)) + x(Date.parse(s.endedAt))) / 2)}" y="${HEIGHT - 22}" text-anchor="middle">${escape(s.step)}</text>`);
  const alb = albPoints.length > 1 ? `<polyline fill="none" stroke="#d62728" stroke-width="1.5" points="${albPoints.map((m) => `${fmt(x(Date.parse(m.time)))},${fmt(y(m.albP99Ms!))}`).join(' ')}"/>` : '';
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="11">`,
    `<title>Latency over time: merged p50 and p99 per step, ALB p99 per minute, objective ${objectiveMs} ms</title>`,
    ...ticks,
    `<line x1="${MARGIN.left}" y1="${fmt(y(objectiveMs))}" x2="${WIDTH - MARGIN.right}" y2="${fmt(y(objectiveMs))}" stroke="#000" stroke-dasharray="6 4"/>`,
    ...steps.map((s) => segment(s, s.p50Ms, '#1f77b4')),
    ...steps.map((s) => segment(s, s.p99Ms, '#ff7f0e')),
    alb,
    ...stepLabels,
    `<text x="14" y="${MARGIN.top + plotHeight / 2}" transform="rotate(-90 14 ${MARGIN.top + plotHeight / 2})" text-anchor="middle">latency (ms)</text>`,
    `<text x="${WIDTH - MARGIN.right}" y="${HEIGHT - 6}" text-anchor="end">blue: p50, orange: p99 (workers, merged); red: ALB TargetResponseTime p99; dashed: objective</text>`,
    '</svg>',
    '',
  ].join('\n');
}
