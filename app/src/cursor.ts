/**
 * Keyset pagination cursors. A cursor carries the position (the note's `seq`, a global
 * counter) of the last item returned and the id of the user it was issued to, sealed with
 * AES-256-GCM under a per-deployment key: a client learns nothing from it (not how many
 * notes exist) and cannot forge or alter one, and a cursor that reached someone else (a
 * shared link, a log line) is refused rather than followed against their notes.
 * Layout, base64url: 12-byte random IV | encrypted (8-byte position | 16-byte user id) | 16-byte tag.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
const POSITION_BYTES = 8;
const USER_BYTES = 16;
const SEALED_BYTES = POSITION_BYTES + USER_BYTES;
/**
 * 52 bytes (IV, sealed position and user, 16-byte tag) are 70 base64url characters without
 * padding; the last one holds the final byte's 2 low bits followed by four zero bits, so it
 * is one of A, Q, g, w. Any 70 such characters decode to exactly 52 bytes, so the pattern
 * fixes the length; it also refuses the spellings Node's decoder would read as the same
 * bytes (padding, whitespace, + and /), so each cursor has one spelling.
 */
export const CURSOR_PATTERN = '^[A-Za-z0-9_-]{69}[AQgw]$';
const CURSOR_REGEX = new RegExp(CURSOR_PATTERN);
const SEQ_PATTERN = /^[1-9]\d{0,18}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ALGORITHM = 'aes-256-gcm';

/** Where a cursor points, and to whom it was issued. */
export interface CursorPosition {
  readonly seq: string;
  readonly userId: string;
}

const uuidBytes = (uuid: string): Buffer => Buffer.from(uuid.replace(/-/g, ''), 'hex');
const uuidText = (bytes: Buffer): string => {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

export class CursorCodec {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('a cursor key is 32 bytes');
  }

  encode({ seq, userId }: CursorPosition): string {
    if (!SEQ_PATTERN.test(seq) || BigInt(seq) > 0x7fff_ffff_ffff_ffffn) throw new Error(`not a note position: ${seq}`);
    if (!UUID.test(userId)) throw new Error(`not a user id: ${userId}`);
    const plain = Buffer.alloc(SEALED_BYTES);
    plain.writeBigUInt64BE(BigInt(seq));
    uuidBytes(userId).copy(plain, POSITION_BYTES);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.key, iv);
    const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return sealed.toString('base64url');
  }

  /**
   * Where a cursor points, or undefined when it is not one this deployment issued. Whether
   * it was issued to the caller is the route's check (it knows the caller only once the
   * page's statement has resolved the token).
   */
  decode(cursor: string): CursorPosition | undefined {
    if (!CURSOR_REGEX.test(cursor)) return undefined;
    const sealed = Buffer.from(cursor, 'base64url');
    const decipher = createDecipheriv(ALGORITHM, this.key, sealed.subarray(0, IV_BYTES));
    decipher.setAuthTag(sealed.subarray(IV_BYTES + SEALED_BYTES));
    try {
      const plain = Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, IV_BYTES + SEALED_BYTES)), decipher.final()]);
      return { seq: plain.readBigUInt64BE().toString(), userId: uuidText(plain.subarray(POSITION_BYTES)) };
    } catch {
      return undefined;
    }
  }
}
