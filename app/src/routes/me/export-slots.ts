/**
 * Who may start a GDPR export on this task. Each export holds a pooled connection until
 * its client has read it all, so two bounds: `perTask` exports at once in all, and one
 * at a time per user, so that one user reading slowly cannot hold every slot and lock
 * everyone else out of their own export.
 */
export type ExportRefusal = 'user-busy' | 'task-busy';

export class ExportSlots {
  private readonly users = new Set<string>();

  constructor(private readonly perTask: number) {}

  /** A release function (safe to call more than once), or why no slot is free. */
  acquire(userId: string): (() => void) | ExportRefusal {
    if (this.users.has(userId)) return 'user-busy';
    if (this.users.size >= this.perTask) return 'task-busy';
    this.users.add(userId);
    let released = false;
    return () => {
      if (!released) this.users.delete(userId);
      released = true;
    };
  }
}
