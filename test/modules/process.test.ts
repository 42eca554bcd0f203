// process module through the real Dispatcher: ps listings, per-program memory, kill/pkill of processes this
// test spawns (never anything else), refusals of pid 0 and groups, and the load average.
import { spawn, type ChildProcess } from 'node:child_process';
import { expect } from 'chai';
import { ModuleError } from '../../common/errors.js';
import { moduleHarness, type ModuleHarness } from '../helpers/dispatch.js';

const children: ChildProcess[] = [];

/** Spawns `sleep <seconds>`; `running` resolves once it runs (exec done), `exited` gives its signal. */
function sleeper(seconds: string): { child: ChildProcess; running: Promise<void>; exited: Promise<NodeJS.Signals | null> } {
  const child = spawn('sleep', [seconds], { stdio: 'ignore' });
  children.push(child);
  const running = new Promise<void>((resolve, reject) => { child.once('spawn', resolve); child.once('error', reject); });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, sig) => resolve(sig)));
  return { child, running, exited };
}

/** "49.8 MiB" → KiB */
function kib(text: string): number {
  const [num, unit] = text.split(' ');
  return Number(num) * 1024 ** ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'].indexOf(unit!);
}

async function expectModuleError(p: Promise<unknown>, text: string): Promise<void> {
  try {
    await p;
    expect.fail('expected a ModuleError');
  } catch (err) {
    expect(err).to.be.instanceOf(ModuleError);
    expect((err as ModuleError).message).to.contain(text);
    expect((err as ModuleError).pythonType).to.equal('func.minion.codes.FuncException');
  }
}

describe('process module', () => {
  let h: ModuleHarness;
  before(async () => { h = await moduleHarness('process-test'); });
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await h.close();
  });

  it('info() gives ps -auxh lines as token lists, including this process', async () => {
    const rows = await h.call('process.info') as string[][];
    expect(rows.length).to.be.above(1);
    expect(rows.every((r) => Array.isArray(r) && r.length >= 11)).to.equal(true);
    expect(rows.some((r) => r[1] === String(process.pid))).to.equal(true);
  });

  it('info(flags) passes other ps flags and reports a ps error as FuncException', async () => {
    const rows = await h.call('process.info', '-eo pid,comm --no-headers') as string[][];
    expect(rows.some((r) => r[0] === String(process.pid))).to.equal(true);
    await expectModuleError(h.call('process.info', '--no-such-ps-flag'), 'unknown');
  });

  it('mem() and memory() list programs with their memory as text, smallest first', async () => {
    const { child, running } = sleeper('60');
    await running;
    for (const m of ['process.mem', 'process.memory']) {
      const rows = await h.call(m) as string[][];
      const programs = rows.filter((r) => r[3] !== '' && r[0] !== '');
      expect(programs.length, m).to.be.above(0);
      for (const r of programs) {
        expect(r).to.have.length(4);
        for (const v of r.slice(0, 3)) expect(v).to.match(/^\d+\.\d (Ki|Mi|Gi|Ti|Pi)B$/);
      }
      expect(programs.some((r) => /^sleep( \(\d+\))?$/.test(r[3]!)), `${m}: the sleep we started`).to.equal(true);
      const totals = programs.map((r) => kib(r[2]!));
      expect(totals, `${m} sorted by total`).to.deep.equal([...totals].sort((a, b) => a - b));
    }
    child.kill('SIGKILL');
  });

  it('kill() signals a process we started and returns /bin/kill\'s exit code', async () => {
    const term = sleeper('60');
    expect(await h.call('process.kill', term.child.pid!)).to.equal(0);
    expect(await term.exited).to.equal('SIGTERM');
    const hup = sleeper('60');
    expect(await h.call('process.kill', String(hup.child.pid), 'HUP')).to.equal(0);
    expect(await hup.exited).to.equal('SIGHUP');
  });

  it('kill() refuses pid 0 and process groups', async () => {
    await expectModuleError(h.call('process.kill', '0'), 'Killing pid group 0 not permitted');
    await expectModuleError(h.call('process.kill', -1), 'Invalid pid');
  });

  it('pkill() signals by name and returns 1 when nothing matched', async () => {
    const unique = `61.${process.pid}`;
    const s = sleeper(unique);
    await s.running;
    expect(await h.call('process.pkill', `sleep ${unique}`, '-f')).to.equal(0);
    expect(await s.exited).to.equal('SIGTERM');
    expect(await h.call('process.pkill', 'no-such-process-name-zz')).to.equal(1);
  });

  it('loadavg() returns the five fields of /proc/loadavg', async () => {
    const fields = await h.call('process.loadavg') as string[];
    expect(fields).to.have.length(5);
    for (const f of fields.slice(0, 3)) expect(Number.isNaN(Number(f))).to.equal(false);
    expect(fields[3]).to.match(/^\d+\/\d+$/);
  });
});
