import type { DrillReport } from './drill';

/** The report as an operator reads it at the end of a run. */
export function formatReport(report: DrillReport): string {
  const lines = [
    `restore drill ${report.drillId || '(cleanup only)'}: ${report.passed ? 'PASSED' : 'FAILED'}`,
    `  backup region        ${report.backupRegion}`,
  ];
  if (report.snapshotIdentifier) lines.push(`  restored copy        ${report.snapshotIdentifier}`);
  if (report.sourceSnapshotCreated) lines.push(`  data as of           ${report.sourceSnapshotCreated} (${report.dataAgeHours} h old: recovery point)`);
  if (report.restoreMinutes !== undefined) lines.push(`  restore took         ${report.restoreMinutes} min (recovery time of this path)`);
  if (report.rowCountsSkipped) lines.push('  row counts           skipped');
  for (const count of report.rowCounts) {
    const minimum = count.minimum === undefined ? '' : `, minimum ${count.minimum}`;
    const source = count.sourceRows === undefined ? '' : `, source ${count.sourceRows}`;
    lines.push(`  ${count.ok ? 'ok  ' : 'FAIL'} ${count.table.padEnd(28)} ${count.rows < 0 ? 'missing' : `${count.rows} rows`}${minimum}${source}`);
  }
  if (report.leftoversDeleted.length > 0) lines.push(`  leftovers deleted    ${report.leftoversDeleted.join(', ')}`);
  lines.push(`  drill cluster        ${report.deleted ? 'deleted' : 'NOT deleted: delete it by hand or re-run with --cleanup-only'}`);
  if (report.error) lines.push(`  error                ${report.error}`);
  return lines.join('\n');
}
