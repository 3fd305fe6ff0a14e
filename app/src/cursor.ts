/**
 * Keyset pagination cursors. A cursor carries the position (the note's `seq`, a global
 * counter) of the last item returned, sealed with AES-256-GCM under a per-deployment key:
 * a client learns nothing from it (not how many notes exist) and cannot forge or alter
 * one. Layout, base64url: 12-byte random IV | 8-byte encrypted position | 16-byte tag.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
const POSITION_BYTES = 8;
const TAG_BYTES = 16;
const CURSOR_BYTES = IV_BYTES + POSITION_BYTES + TAG_BYTES;
/** 36 bytes are exactly 48 base64url characters, no padding. */
export const CURSOR_PATTERN = '^[A-Za-z0-9_-]{48}$';
const CURSOR_REGEX = new RegExp(CURSOR_PATTERN);
const SEQ_PATTERN = /^[1-9]\d{0,18}$/;
const ALGORITHM = 'aes-256-gcm';

export class CursorCodec {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('a cursor key is 32 bytes');
  }

  encode(seq: string): string {
    if (!SEQ_PATTERN.test(seq) || BigInt(seq) > 0x7fff_ffff_ffff_ffffn) throw new Error(`not a note position: ${seq}`);
    const position = Buffer.alloc(POSITION_BYTES);
    position.writeBigUInt64BE(BigInt(seq));
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.key, iv);
    const sealed = Buffer.concat([iv, cipher.update(position), cipher.final(), cipher.getAuthTag()]);
    return sealed.toString('base64url');
  }

  /** The position a cursor points at, or undefined when it is not one this deployment issued. */
  decode(cursor: string): string | undefined {
    if (!CURSOR_REGEX.test(cursor)) return undefined;
    const sealed = Buffer.from(cursor, 'base64url');
    if (sealed.length !== CURSOR_BYTES) return undefined;
    const decipher = createDecipheriv(ALGORITHM, this.key, sealed.subarray(0, IV_BYTES));
    decipher.setAuthTag(sealed.subarray(IV_BYTES + POSITION_BYTES));
    try {
      const position = Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, IV_BYTES + POSITION_BYTES)), decipher.final()]);
      return position.readBigUInt64BE().toString();
    } catch {
      return undefined;
    }
  }
}
