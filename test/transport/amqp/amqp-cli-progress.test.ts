// The func CLI over AMQP shows a long command's output lines while it runs: the first line reaches the CLI's
// output well before the command (and so the CLI) finishes — measured on arrival, not by sleeping. command.run runs
// as an async job (async_methods.conf); over AMQP its lines are pushed, so the minion is never polled for them.
import { expect } from 'chai';
import fs from 'node:fs/promises';
import path from 'node:path';
import { spawnBin, stopAll } from '../../helpers/processes.js';
import { startAmqpFleet, type AmqpFleet } from './amqp-fleet.js';

const HOST = '127.0.1.51';

describe('transport/amqp progress in the func CLI', function () {
  this.timeout(40_000);
  let fleet: AmqpFleet;
  before(async () => { fleet = await startAmqpFleet([HOST]); });
  after(async () => { await fleet?.close(); await stopAll(); });

  it('prints `func <host> call command run` output lines live, then the result', async () => {
    const started = Date.now();
    const cli = spawnBin('func', [HOST, 'call', 'command', 'run', 'for i in 1 2 3 4; do echo line$i; sleep 0.6; done'], { env: fleet.env });
    let firstLineAt = 0;
    const onData = (): void => {
      const { stdout, stderr } = cli.output();
      if (firstLineAt === 0 && /line1/.test(stdout + stderr)) firstLineAt = Date.now();
    };
    cli.child.stdout!.on('data', onData);
    cli.child.stderr!.on('data', onData);
    const { code } = await cli.exited;
    const endedAt = Date.now();
    const { stdout, stderr } = cli.output();
    expect(code, stderr).to.equal(0);
    expect(firstLineAt, 'line1 arrived').to.be.above(0);
    // the command needs 1.8 s after printing line1: a live line arrives at least 1 s before the end
    expect(endedAt - firstLineAt).to.be.above(1000);
    expect(firstLineAt - started).to.be.below(endedAt - started);
    expect(stdout + stderr).to.match(/line4/);
    const audit = await fs.readFile(path.join(fleet.minions[0]!.root, 'var/log/func/audit.log'), 'utf8');
    expect(audit).to.match(/command\.run/);
    expect(audit).not.to.match(/jobs\.(tail_output|get_progress)/);
  });
});
