/**
 * Keyset pagination cursors. A cursor is the position (the note's `seq`) of the last
 * item returned, base64url-encoded so clients treat it as opaque.
 */
const SEQ_PATTERN = /^[1-9]\d{0,17}$/;

export function encodeCursor(seq: string): string {
  if (!SEQ_PATTERN.test(seq)) throw new Error(`not a note position: ${seq}`);
  return Buffer.from(`n${seq}`, 'utf8').toString('base64url');
}

/** The position a cursor points at, or undefined when the cursor is not one we issued. */
export function decodeCursor(cursor: string): string | undefined {
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(cursor)) return undefined;
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!decoded.startsWith('n')) return undefined;
  const seq = decoded.slice(1);
  if (!SEQ_PATTERN.test(seq)) return undefined;
  // Reject non-canonical encodings so each position has exactly one cursor.
  return encodeCursor(seq) === cursor ? seq : undefined;
}
