/**
 * CPU time PostgreSQL has used so far, from /proc: the postmaster, every process it forked
 * that is still running (backends, background workers), and what its reaped children used
 * (cutime + cstime). The bench reads it before and after each measurement, so the database
 * side of a request is measured, not guessed; the capacity model compares it with the
 * writer's vCPUs (capacity/fit.ts).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ProcessTimes {
  readonly pid: number;
  readonly ppid: number;
  /** utime + stime of the process itself, in clock ticks. */
  readonly ownTicks: number;
  /** cutime + cstime: what its children that it has waited for used, in clock ticks. */
  readonly reapedChildrenTicks: number;
}

/** Parses /proc/<pid>/stat; the command name may hold spaces and parentheses, so fields count from its last ")". */
export function parseProcStat(text: string): ProcessTimes {
  const close = text.lastIndexOf(')');
  const pid = Number(text.slice(0, text.indexOf(' ')));
  // Fields after the name start at field 3 (state); utime is field 14.
  const fields = text.slice(close + 2).trim().split(/\s+/).map(Number);
  const field = (n: number) => fields[n - 3];
  if (close < 0 || !Number.isInteger(pid) || fields.length < 15) throw new Error(`not a /proc/<pid>/stat line: "${text.slice(0, 80)}"`);
  return { pid, ppid: field(4), ownTicks: field(14) + field(15), reapedChildrenTicks: field(16) + field(17) };
}

/** Ticks used by `root` and its descendants, including the descendants it has already reaped. */
export function treeTicks(root: number, processes: readonly ProcessTimes[]): number {
  const children = new Map<number, ProcessTimes[]>();
  for (const p of processes) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const rootTimes = processes.find((p) => p.pid === root);
  if (!rootTimes) throw new Error(`process ${root} is not running`);
  let ticks = 0;
  const visit = (p: ProcessTimes) => {
    ticks += p.ownTicks + p.reapedChildrenTicks;
    for (const child of children.get(p.pid) ?? []) visit(child);
  };
  visit(rootTimes);
  return ticks;
}

function runningProcesses(): ProcessTimes[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((pid) => {
      try {
        return [parseProcStat(readFileSync(join('/proc', pid, 'stat'), 'utf8'))];
      } catch {
        return []; // exited while we listed
      }
    });
}

const CLOCK_TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** CPU seconds used so far by the PostgreSQL cluster in `dataDir` (its postmaster.pid names the postmaster). */
export function postgresCpuSeconds(dataDir: string): number {
  const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  return treeTicks(postmaster, runningProcesses()) / CLOCK_TICKS_PER_SECOND;
}
