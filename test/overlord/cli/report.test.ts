// The CLI's result reporter: exit statuses from the documented table (0 ok, 3 a host failed or command run
// returned rc≠0, 4 unreachable/timed out), the batch window on the progress line, --out txt streamed in host order.
import { expect } from 'chai';
import { ResultReporter } from '../../../overlord/cli/report.js';
import { failedRc } from '../../../overlord/cli/command-run-view.js';
import { ok, remoteFailure, type HostOutcome } from '../../../overlord/outcome.js';

function reporter(hosts: string[], options: { format?: 'text' | 'txt' | 'json'; interactive?: boolean; note?: string; failed?: (o: HostOutcome) => boolean } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const r = new ResultReporter({
    format: options.format ?? 'text', verbose: false, hosts,
    io: { out: (s) => out.push(s), err: (s) => err.push(s), interactive: options.interactive ?? false },
    ...(options.note ? { note: options.note } : {}), ...(options.failed ? { failed: options.failed } : {}),
  });
  return { r, out, err };
}

describe('CLI result reporter', () => {
  it('exit 0 when every host answered ok', () => {
    const { r } = reporter(['a', 'b']);
    r.add([{ host: 'a', outcome: ok(1) }, { host: 'b', outcome: ok(1) }]);
    expect(r.finish()).to.equal(0);
  });

  it('exit 3 for a remote error, or an rc≠0 answer counted as a failure', () => {
    const e = reporter(['a', 'b']);
    e.r.add([{ host: 'a', outcome: ok(1) }, { host: 'b', outcome: remoteFailure('exceptions.Exception', 'x') }]);
    expect(e.r.finish()).to.equal(3);
    const rc = reporter(['a', 'b'], { failed: failedRc });
    rc.r.add([{ host: 'a', outcome: ok([0, '', '']) }, { host: 'b', outcome: ok([2, '', 'no']) }]);
    expect(rc.r.finish()).to.equal(3);
    expect(rc.err.join('')).to.include('1 ok, 1 error');
  });

  it('exit 4 when a host timed out or was unreachable, even beside an error', () => {
    const { r } = reporter(['a', 'b', 'c']);
    r.add([{ host: 'a', outcome: remoteFailure('E', 'x') }, { host: 'b', outcome: { status: 'timeout', timeoutMs: 1000, message: 'late' } }, { host: 'c', outcome: ok(1) }]);
    expect(r.finish(1)).to.equal(4);
  });

  it('shows the batch window on the progress line from the start', () => {
    const { r, err } = reporter(['a', 'b', 'c'], { interactive: true, note: '[batch window 2 of 3, wait 1 s]' });
    expect(err.join('')).to.include('0 of 3 done').and.to.include('[batch window 2 of 3, wait 1 s]');
    r.add([{ host: 'a', outcome: ok(1) }]);
    expect(err.at(-1)).to.include('1 of 3 done').and.to.include('[batch window 2 of 3');
    r.add([{ host: 'b', outcome: ok(1) }, { host: 'c', outcome: ok(1) }]);
    r.finish();
  });

  it('--out txt prints one line per host in host order as they come', () => {
    const { r, out } = reporter(['h2', 'h10', 'h1'], { format: 'txt' });
    r.add([{ host: 'h2', outcome: ok({ a: 1 }) }]);
    expect(out.join('')).to.equal('');
    r.add([{ host: 'h1', outcome: ok('x') }]);
    expect(out.join('')).to.equal('h1: x\nh2: {"a":1}\n');
    r.add([{ host: 'h10', outcome: ok(3) }]);
    r.finish();
    expect(out.join('')).to.equal('h1: x\nh2: {"a":1}\nh10: 3\n');
  });
});
