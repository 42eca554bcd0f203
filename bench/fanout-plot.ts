// Draws bench/results/fanout.png (time against N, log-log, one line per caller) with gnuplot; when gnuplot is
// missing it says how to install it (the figures are printed anyway) instead of skipping the plot silently.
import { spawnSync } from 'node:child_process';

/** The measurements the plot needs. */
export interface PlotPoint { caller: string; n: number; median: number }

/** What became of the plot. */
export type PlotOutcome = 'written' | 'no-gnuplot' | 'failed';

/** Writes the PNG; says on `log` what happened (and why not, when it was not written). */
export function plotFanout(points: readonly PlotPoint[], pngFile: string, log: (s: string) => void): PlotOutcome {
  if (spawnSync('gnuplot', ['--version']).error) {
    log(`gnuplot is not installed, so ${pngFile} was NOT written (the figures above stand). To plot, install it `
      + '(apt-get install -y gnuplot-nox) and run the benchmark again.');
    return 'no-gnuplot';
  }
  const callers = [...new Set(points.map((p) => p.caller))];
  const blocks = callers.map((c) => points.filter((p) => p.caller === c).map((p) => `${p.n} ${p.median}`).join('\n')).join('\ne\n');
  const script = [
    'set terminal png size 900,600',
    `set output '${pngFile.replace(/'/g, "''")}'`,
    "set title 'test.ping fan-out: wall time against number of minions (2 CPU cores, loopback; cold unless \"warm\")'",
    "set xlabel 'minions (N)'", "set ylabel 'seconds (median)'",
    'set logscale xy', 'set grid', 'set key top left', 'set xrange [8:1250]', 'set xtics (10, 100, 1000)',
    `plot ${callers.map((c) => `'-' using 1:2 with linespoints title '${c}'`).join(', ')}`,
    `${blocks}\ne`,
  ].join('\n');
  const r = spawnSync('gnuplot', [], { input: script, encoding: 'utf8' });
  if (r.status !== 0) {
    log(`gnuplot failed, ${pngFile} was NOT written: ${r.stderr}`);
    return 'failed';
  }
  log(`wrote ${pngFile}`);
  return 'written';
}
