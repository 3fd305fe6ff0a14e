/**
 * EventBridge's pattern matching for the filters this project's rules use (exact values,
 * `anything-but` a list, `numeric` ranges), so tests can run sample events through a
 * synthesized rule's pattern. As EventBridge does, arrays in the event are flattened: a field
 * under an array of objects matches when any element's value matches, and a field the event
 * lacks matches no filter. Any other filter fails loudly rather than guess.
 */
export function matchesEventPattern(pattern: Record<string, unknown>, event: unknown): boolean {
  return Object.entries(pattern).every(([field, expected]) => {
    const values = valuesAt(event, field);
    if (Array.isArray(expected)) return values.some((value) => expected.some((filter) => matchesFilter(filter, value)));
    return values.some((value) => typeof value === 'object' && value !== null && matchesEventPattern(expected as Record<string, unknown>, value));
  });
}

/** The values of `field` in `node`, through arrays (EventBridge's flattening). */
function valuesAt(node: unknown, field: string): unknown[] {
  if (Array.isArray(node)) return node.flatMap((element) => valuesAt(element, field));
  if (typeof node !== 'object' || node === null || !(field in node)) return [];
  const value = (node as Record<string, unknown>)[field];
  return Array.isArray(value) ? value : [value];
}

const NUMERIC: Record<string, (a: number, b: number) => boolean> = { '<': (a, b) => a < b, '<=': (a, b) => a <= b, '=': (a, b) => a === b, '>=': (a, b) => a >= b, '>': (a, b) => a > b };

function matchesFilter(filter: unknown, value: unknown): boolean {
  if (typeof filter !== 'object' || filter === null) return filter === value;
  const [[name, argument]] = Object.entries(filter);
  if (name === 'anything-but' && Array.isArray(argument)) return !argument.includes(value);
  if (name === 'numeric' && Array.isArray(argument)) {
    if (typeof value !== 'number') return false;
    for (let i = 0; i < argument.length; i += 2) if (!NUMERIC[argument[i]](value, argument[i + 1])) return false;
    return true;
  }
  throw new Error(`matchesEventPattern: filter ${JSON.stringify(filter)} is not supported`);
}
