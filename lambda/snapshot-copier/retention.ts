const MS_PER_DAY = 86_400_000;

/** True once a snapshot taken at `takenAt` is strictly older than the retention; a copy exactly at the boundary is kept. */
export function isPastRetention(takenAt: Date, now: Date, retentionDays: number): boolean {
  return now.getTime() - takenAt.getTime() > retentionDays * MS_PER_DAY;
}
