/**
 * app/src/db/startup.ts without a database: GatedDatabase refuses every call with
 * DatabaseNotReadyError (a 503) until it is opened, then delegates; DatabaseStartup
 * retries a failing prepare with capped exponential backoff (500, 1 000, 2 000 ms … up to
 * maxDelayMs), one exact log line per attempt, opens the gate on success, and stop() ends
 * the retries, also while an attempt is in flight. Timers are vitest's fake timers, so
 * the backoff is pinned to the millisecond without waiting for it.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DatabaseUnavailableError, isUnavailable, type Database, type Session } from '../../app/src/db/database';
import { DatabaseNotReadyError, DatabaseStartup, GatedDatabase } from '../../app/src/db/startup';
import { rejection } from './support';

interface LogLine {
  level: 'warn' | 'info';
  obj: object;
  msg: string;
}

function recordingLog() {
  const lines: LogLine[] = [];
  return { lines, log: { warn: (obj: object, msg: string) => void lines.push({ level: 'warn', obj, msg }), info: (obj: object, msg: string) => void lines.push({ level: 'info', obj, msg }) } };
}

/** A Database that records what reaches it. */
function fakeDatabase(kind: Database['kind'] = 'postgres') {
  const calls: string[] = [];
  const session: Session = { query: async () => [], exec: async () => undefined };
  const db: Database = {
    kind,
    query: async <Row>(sql: string, params?: readonly unknown[]) => {
      calls.push(`query ${sql} ${JSON.stringify(params)}`);
      return [{ sql }] as Row[];
    },
    withSession: async (work) => {
      calls.push('withSession');
      return work(session);
    },
    withSnapshot: async (work) => {
      calls.push('withSnapshot');
      return work(session);
    },
    close: async () => void calls.push('close'),
  };
  return { db, calls };
}


describe('DatabaseNotReadyError', () => {
  it('is a DatabaseUnavailableError (503) with a fixed message and cause', () => {
    const error = new DatabaseNotReadyError();
    expect(error).toBeInstanceOf(DatabaseUnavailableError);
    expect(isUnavailable(error)).toBe(true);
    expect(error.message).toBe('database unavailable');
    expect((error.cause as Error).message).toBe('database not connected and migrated yet');
  });
});

describe('GatedDatabase', () => {
  it('takes the inner kind, and refuses query, withSession and withSnapshot until opened, without reaching the inner database', async () => {
    const { db, calls } = fakeDatabase('pglite');
    const gate = new GatedDatabase(db);
    expect(gate.kind).toBe('pglite');
    expect(gate.isReady).toBe(false);
    const work = vi.fn(async () => 'done');
    expect(await rejection(gate.query('SELECT 1'))).toBeInstanceOf(DatabaseNotReadyError);
    expect(await rejection(gate.withSession(work))).toBeInstanceOf(DatabaseNotReadyError);
    expect(await rejection(gate.withSnapshot(work))).toBeInstanceOf(DatabaseNotReadyError);
    expect(work).not.toHaveBeenCalled();
    expect(calls).toEqual([]);
  });

  it('delegates everything once opened', async () => {
    const { db, calls } = fakeDatabase();
    const gate = new GatedDatabase(db);
    expect(gate.kind).toBe('postgres');
    gate.open();
    expect(gate.isReady).toBe(true);
    expect(await gate.query('SELECT $1', [1])).toEqual([{ sql: 'SELECT $1' }]);
    expect(await gate.withSession(async () => 'session')).toBe('session');
    expect(await gate.withSnapshot(async () => 'snapshot')).toBe('snapshot');
    expect(calls).toEqual(['query SELECT $1 [1]', 'withSession', 'withSnapshot']);
  });

  it('close() closes the inner database, opened or not', async () => {
    const { db, calls } = fakeDatabase();
    await new GatedDatabase(db).close();
    expect(calls).toEqual(['close']);
  });
});

describe('DatabaseStartup', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const failure = (message: string, code?: string) => Object.assign(new Error(message), code === undefined ? {} : { code });

  it('a healthy start: one attempt, the gate is open when start() resolves, nothing is logged', async () => {
    const { db } = fakeDatabase();
    const gate = new GatedDatabase(db);
    const { lines, log } = recordingLog();
    const prepare = vi.fn(async () => undefined);
    await new DatabaseStartup(gate, prepare, log).start();
    expect(prepare).toHaveBeenCalledTimes(1);
    expect(gate.isReady).toBe(true);
    expect(lines).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('retries with the default backoff 500, 1 000, 2 000 … ms capped at 15 s, one line per failure, then opens the gate and says so', async () => {
    const gate = new GatedDatabase(fakeDatabase().db);
    const { lines, log } = recordingLog();
    const failures = 7;
    let calls = 0;
    const prepare = vi.fn(async () => {
      calls += 1;
      if (calls <= failures) throw failure(`connect ECONNREFUSED (${calls})`, 'ECONNREFUSED');
    });
    const startup = new DatabaseStartup(gate, prepare, log);

    await startup.start();
    expect(gate.isReady).toBe(false);
    const expectedDelays = [500, 1_000, 2_000, 4_000, 8_000, 15_000, 15_000];
    for (const [index, delay] of expectedDelays.entries()) {
      const attempt = index + 1;
      expect(lines.at(-1)).toEqual({
        level: 'warn',
        obj: { attempt, retryInMs: delay, err: { message: `connect ECONNREFUSED (${attempt})`, code: 'ECONNREFUSED' } },
        msg: 'database not ready; retrying',
      });
      expect(prepare).toHaveBeenCalledTimes(attempt);
      await vi.advanceTimersByTimeAsync(delay - 1);
      expect(prepare).toHaveBeenCalledTimes(attempt);
      await vi.advanceTimersByTimeAsync(1);
      expect(prepare).toHaveBeenCalledTimes(attempt + 1);
    }
    expect(gate.isReady).toBe(true);
    expect(lines).toHaveLength(failures + 1);
    expect(lines.at(-1)).toEqual({ level: 'info', obj: { attempt: failures + 1 }, msg: 'database ready after retrying' });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('honours initialDelayMs and maxDelayMs, and logs an error without code or message as undefined fields', async () => {
    const gate = new GatedDatabase(fakeDatabase().db);
    const { lines, log } = recordingLog();
    const prepare = vi.fn(async () => {
      throw {};
    });
    const startup = new DatabaseStartup(gate, prepare, log, { initialDelayMs: 100, maxDelayMs: 250 });
    await startup.start();
    await vi.advanceTimersByTimeAsync(100);
    await vi.advanceTimersByTimeAsync(200);
    await vi.advanceTimersByTimeAsync(250);
    expect(prepare).toHaveBeenCalledTimes(4);
    expect(lines.map((line) => (line.obj as { retryInMs: number }).retryInMs)).toEqual([100, 200, 250, 250]);
    expect(lines[0]).toEqual({ level: 'warn', obj: { attempt: 1, retryInMs: 100, err: { message: undefined, code: undefined } }, msg: 'database not ready; retrying' });
    startup.stop();
  });

  it('only initialDelayMs set: the cap stays 15 s', async () => {
    const { lines, log } = recordingLog();
    const prepare = vi.fn(async () => {
      throw failure('down');
    });
    const startup = new DatabaseStartup(new GatedDatabase(fakeDatabase().db), prepare, log, { initialDelayMs: 10_000 });
    await startup.start();
    await vi.advanceTimersByTimeAsync(10_000);
    await vi.advanceTimersByTimeAsync(15_000);
    expect(lines.map((line) => (line.obj as { retryInMs: number }).retryInMs)).toEqual([10_000, 15_000, 15_000]);
    startup.stop();
  });

  it('a success on the second attempt logs "ready after retrying" with attempt 2', async () => {
    const gate = new GatedDatabase(fakeDatabase().db);
    const { lines, log } = recordingLog();
    const prepare = vi.fn().mockRejectedValueOnce(failure('database "bulwark" does not exist', '3D000')).mockResolvedValue(undefined);
    await new DatabaseStartup(gate, prepare, log).start();
    expect(lines).toEqual([
      { level: 'warn', obj: { attempt: 1, retryInMs: 500, err: { message: 'database "bulwark" does not exist', code: '3D000' } }, msg: 'database not ready; retrying' },
    ]);
    await vi.advanceTimersByTimeAsync(500);
    expect(gate.isReady).toBe(true);
    expect(lines[1]).toEqual({ level: 'info', obj: { attempt: 2 }, msg: 'database ready after retrying' });
    expect(lines).toHaveLength(2);
  });

  it('stop() ends the retries: no further attempt, line or timer', async () => {
    const gate = new GatedDatabase(fakeDatabase().db);
    const { lines, log } = recordingLog();
    const prepare = vi.fn(async () => {
      throw failure('down');
    });
    const startup = new DatabaseStartup(gate, prepare, log);
    await startup.start();
    expect(vi.getTimerCount()).toBe(1);
    startup.stop();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(prepare).toHaveBeenCalledTimes(1);
    expect(lines).toHaveLength(1);
    expect(gate.isReady).toBe(false);
  });

  it('stop() before start(): prepare never runs', async () => {
    const gate = new GatedDatabase(fakeDatabase().db);
    const { lines, log } = recordingLog();
    const prepare = vi.fn(async () => undefined);
    const startup = new DatabaseStartup(gate, prepare, log);
    startup.stop();
    await startup.start();
    expect(prepare).not.toHaveBeenCalled();
    expect(gate.isReady).toBe(false);
    expect(lines).toEqual([]);
  });

  it('stopped while prepare runs: a success does not open the gate, a failure is neither logged nor retried', async () => {
    for (const outcome of ['succeeds', 'fails'] as const) {
      const gate = new GatedDatabase(fakeDatabase().db);
      const { lines, log } = recordingLog();
      let finish!: () => void;
      const prepare = vi.fn(
        () =>
          new Promise<void>((resolve, reject) => {
            finish = () => (outcome === 'succeeds' ? resolve() : reject(failure('down')));
          }),
      );
      const startup = new DatabaseStartup(gate, prepare, log);
      const started = startup.start();
      startup.stop();
      finish();
      await started;
      await vi.advanceTimersByTimeAsync(60_000);
      expect(prepare, outcome).toHaveBeenCalledTimes(1);
      expect(gate.isReady, outcome).toBe(false);
      expect(lines, outcome).toEqual([]);
      expect(vi.getTimerCount(), outcome).toBe(0);
    }
  });

  it('stopped during a retried attempt: the attempt in flight neither opens the gate nor schedules another', async () => {
    const gate = new GatedDatabase(fakeDatabase().db);
    const { lines, log } = recordingLog();
    let finish: (() => void) | undefined;
    const prepare = vi
      .fn<() => Promise<void>>()
      .mockRejectedValueOnce(failure('down'))
      .mockImplementation(() => new Promise<void>((resolve) => (finish = resolve)));
    const startup = new DatabaseStartup(gate, prepare, log);
    await startup.start();
    await vi.advanceTimersByTimeAsync(500);
    expect(prepare).toHaveBeenCalledTimes(2);
    startup.stop();
    finish!();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(gate.isReady).toBe(false);
    expect(lines).toHaveLength(1);
  });
});
