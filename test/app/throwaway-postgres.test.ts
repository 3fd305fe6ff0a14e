/**
 * The throwaway PostgreSQL the app tests run against: PostgreSQL cannot bind port 0 and
 * report back, so it is offered a port that was free, and when another process bound that
 * port first, the next one, a bounded number of times.
 */
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIND_ATTEMPTS, startThrowawayPostgres } from '../../scripts/throwaway-postgres';

/** A port held by this process for the whole test: the server offered it cannot bind it. */
let squatter: Server;
let takenPort: number;
beforeAll(async () => {
  squatter = createServer();
  await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
  takenPort = (squatter.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => squatter.close(() => resolve())));

/** A port the OS reports free right now. */
async function freeCandidate(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('startThrowawayPostgres', () => {
  it('moves on to the next candidate when another process bound the first', async () => {
    const offered: number[] = [];
    const choosePort = async () => {
      const port = offered.length === 0 ? takenPort : await freeCandidate();
      offered.push(port);
      return port;
    };
    const pg = await startThrowawayPostgres({ choosePort });
    try {
      expect(offered).toHaveLength(2);
      expect(offered[0]).toBe(takenPort);
      expect(pg.port).toBe(offered[1]);
      const pool = new Pool({ connectionString: pg.url, max: 1 });
      expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      await pool.end();
    } finally {
      await pg.stop();
    }
  });

  it(`gives up after ${BIND_ATTEMPTS} taken candidates, with PostgreSQL's reason`, async () => {
    let offers = 0;
    const choosePort = async () => {
      offers++;
      return takenPort;
    };
    const started = startThrowawayPostgres({ choosePort });
    await expect(started).rejects.toThrow(/could not bind/);
    expect(offers).toBe(BIND_ATTEMPTS);
  });
});
