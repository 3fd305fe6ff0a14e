/**
 * The bench's PostgreSQL CPU reading (bench/app/postgres-cpu.ts) on synthetic /proc stat
 * lines: the postmaster, its live children and grandchildren, and what it already reaped.
 */
import { describe, expect, it } from 'vitest';
import { parseProcStat, treeTicks } from '../../bench/app/postgres-cpu';

/** A /proc/<pid>/stat line with the given fields (the rest zero), as the kernel writes it. */
function statLine(pid: number, command: string, ppid: number, [utime, stime, cutime, cstime]: number[]): string {
  // pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime priority ...
  return `${pid} (${command}) S ${ppid} ${pid} ${pid} 0 -1 4194304 100 0 0 0 ${utime} ${stime} ${cutime} ${cstime} 20 0 1 0 12345 0 0`;
}

describe('PostgreSQL CPU from /proc', () => {
  it('reads utime + stime and cutime + cstime, whatever the command name holds', () => {
    expect(parseProcStat(statLine(42, 'postgres: bench bulwark 127.0.0.1(5432) (idle)', 7, [120, 30, 5, 1]))).toEqual({ pid: 42, ppid: 7, ownTicks: 150, reapedChildrenTicks: 6 });
    expect(() => parseProcStat('not a stat line')).toThrow('not a /proc/<pid>/stat line');
  });

  it('sums the postmaster, its descendants and what it reaped, and nothing outside its tree', () => {
    const processes = [
      statLine(100, 'postgres', 1, [10, 5, 40, 2]), // reaped backends: 42 ticks
      statLine(101, 'postgres: checkpointer', 100, [3, 1, 0, 0]),
      statLine(102, 'postgres: bench bulwark 127.0.0.1(40000) idle', 100, [200, 50, 0, 0]),
      statLine(103, 'postgres: parallel worker', 102, [7, 0, 0, 0]),
      statLine(200, 'node', 1, [9_999, 999, 0, 0]), // the app: not the database's
    ].map(parseProcStat);
    expect(treeTicks(100, processes)).toBe(15 + 42 + 4 + 250 + 7);
    expect(() => treeTicks(999, processes)).toThrow('process 999 is not running');
  });
});
