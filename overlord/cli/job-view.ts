// Shows an overlord job's status for `func … call --jobstatus <id>`: func's (code, results) pair in the
// chosen format, and an exit status (1 when the job is unknown or a finished host failed).
import type { JobStatus } from '../async-jobs.js';
import { JobCodes } from '../job-store.js';
import { outcomeToJson, renderXmlrpc, resultsToFuncStruct, type OutputFormat } from '../output.js';
import { summarize, summaryLine, type CallResults } from '../outcome.js';
import { pyRepr } from '../../transport/python-repr.js';
import { renderHostText } from '../text-render.js';
import type { CliIo } from './context.js';

const NAMES: Record<number, string> = {
  [JobCodes.RUNNING]: 'RUNNING', [JobCodes.FINISHED]: 'FINISHED', [JobCodes.LOST_IN_SPACE]: 'LOST_IN_SPACE', [JobCodes.PARTIAL]: 'PARTIAL',
};

function render(status: JobStatus, format: OutputFormat, verbose: boolean): string {
  const [code, data] = status;
  const results: CallResults | null = typeof data === 'number' ? null : data;
  switch (format) {
    case 'json': return `${JSON.stringify([code, results ? Object.fromEntries([...results].map(([h, o]) => [h, outcomeToJson(o)])) : data])}\n`;
    case 'basic':
    case 'raw': return `(${code}, ${results ? pyRepr(resultsToFuncStruct(results)) : data})\n`;
    case 'xmlrpc': return renderXmlrpc([code, results ? resultsToFuncStruct(results) : (data as number)]);
    case 'text': {
      const head = `JOB_STATUS: ${NAMES[code]} (${code})${results ? `, ${results.size} host(s) finished` : ''}\n`;
      return head + (results ? [...results].map(([h, o]) => renderHostText(h, o, verbose)).join('') : '');
    }
  }
}

/** Prints the status; returns the exit status. */
export function showJobStatus(id: string, status: JobStatus, io: CliIo, format: OutputFormat, verbose: boolean): number {
  io.out(render(status, format, verbose));
  if (status[0] === JobCodes.LOST_IN_SPACE) {
    io.err(`job ${id} is unknown or expired (jobs are kept for an hour)\n`);
    return 1;
  }
  if (status[0] === JobCodes.RUNNING) return 0;
  const counts = summarize(status[1].values());
  if (counts.ok === status[1].size) return 0;
  io.err(`${summaryLine(counts)}\n`);
  return 1;
}
