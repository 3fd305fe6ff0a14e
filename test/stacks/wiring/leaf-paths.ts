import type { StageConfig } from '../../../lib/config';

/**
 * Config fields whose keys are data, not schema (any tag name is allowed): the whole map is
 * one field of the wiring table.
 */
export const MAP_FIELDS = ['tags'] as const;
type MapField = (typeof MAP_FIELDS)[number];

type Leaf = string | number | boolean | readonly unknown[];

/** Every leaf of a config type as a dotted path, optional fields included. */
type PathsOf<T, Prefix extends string> = {
  [K in keyof T & string]-?: `${Prefix}${K}` extends MapField
    ? `${Prefix}${K}`
    : NonNullable<T[K]> extends Leaf
      ? `${Prefix}${K}`
      : PathsOf<NonNullable<T[K]>, `${Prefix}${K}.`>;
}[keyof T & string];

/**
 * The dotted path of every field of {@link StageConfig} (`service.cpu`, `tags`, ...). A
 * table keyed by it fails to compile when a field is added without a row.
 */
export type ConfigLeafPath = PathsOf<StageConfig, ''>;

/** The leaf paths `config` sets, at run time (the compile-time check misses nothing, this one says what to add). */
export function leafPaths(value: unknown, prefix = ''): string[] {
  if (value === undefined) return [];
  const isBranch = typeof value === 'object' && value !== null && !Array.isArray(value) && !(MAP_FIELDS as readonly string[]).includes(prefix.slice(0, -1));
  if (!isBranch) return [prefix.slice(0, -1)];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, child]) => leafPaths(child, `${prefix}${key}.`));
}

/** The value at a dotted path (undefined when a parent is missing). */
export function valueAt(config: StageConfig, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], config);
}
