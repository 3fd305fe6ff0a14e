/**
 * Which user a token hash belongs to, remembered per task so that limits can be keyed on
 * the user (who survives a token rotation) rather than the token (which does not).
 *
 * Only keys come from here, never authorization: every statement still resolves the
 * caller from the token hash itself, so an erased user or a rotated token stops working
 * at once on every task, cached or not. A token hash belongs to at most one user, ever,
 * so an entry can only go stale by its token dying; the auth plugin forgets an entry
 * when its request ends in 401.
 */

/** Looks a token hash up in the database: the user's id, or undefined when no user has it. */
export type UserIdLookup = (tokenHash: Buffer) => Promise<string | undefined>;

export class UserIds {
  /** Insertion-ordered: the first key is the least recently used. */
  private readonly known = new Map<string, string>();

  constructor(
    private readonly lookup: UserIdLookup,
    /** Entries kept before the least recently used is forgotten (it is looked up again when next seen). */
    private readonly capacity: number,
  ) {}

  /** The id of the user the token hash belongs to, or undefined when no user has it. */
  async resolve(tokenHash: Buffer): Promise<string | undefined> {
    const key = tokenHash.toString('base64');
    const cached = this.known.get(key);
    if (cached !== undefined) {
      this.known.delete(key);
      this.known.set(key, cached);
      return cached;
    }
    const userId = await this.lookup(tokenHash);
    if (userId !== undefined) this.remember(key, userId);
    return userId;
  }

  forget(tokenHash: Buffer): void {
    this.known.delete(tokenHash.toString('base64'));
  }

  private remember(key: string, userId: string): void {
    this.known.set(key, userId);
    if (this.known.size > this.capacity) this.known.delete(this.known.keys().next().value!);
  }
}
