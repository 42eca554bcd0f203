// The summary table headhunter prints at the end: one row per SRPM with where it built, how many attempts it
// took, what was published and how long it took, then the totals and the throughput.
import type { BuildSummary } from '../headhunter.js';

/** A plain-text table, columns padded to their widest cell. */
function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

/** The summary of a run. */
export function summaryTable(builds: readonly BuildSummary[], seconds: number): string {
  const rows = [['SRPM', 'RESULT', 'BUILDER', 'ATTEMPTS', 'SECONDS', 'PACKAGES']];
  for (const b of builds) {
    const attempts = b.attempts.map((a) => `${a.builder}:${a.result}`).join(', ') || '-';
    const secs = b.attempts.reduce((s, a) => s + a.seconds, 0).toFixed(1);
    rows.push([b.srpm, b.state, b.builder ?? '-', attempts, secs, b.packages.join(' ') || '-']);
  }
  const published = builds.filter((b) => b.state === 'published').length;
  const perMinute = seconds > 0 ? (published / seconds) * 60 : 0;
  return `${table(rows)}\n\n${published}/${builds.length} published in ${seconds.toFixed(1)} s (${perMinute.toFixed(1)} builds/min)\n`;
}
