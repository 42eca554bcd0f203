// Calls the CLI runs as jobs (command run is forced async) against real minions: Ctrl-C prints the job id and the
// exact status/cancel commands and exits 130 while the job runs on; `call --cancel` stops it on every host;
// --timeout ends the wait with the hosts reported as timed out; command run output per host with FAILED on rc≠0.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { runBin, spawnBin, stopAll } from '../../helpers/processes.js';
import { startFleet, type Fleet } from '../fleet.js';

const run = promisify(execFile);
const HOSTS = ['127.0.0.2', '127.0.0.3'];

/** Processes whose command line is `text` (a unique sleep length marks a test's commands). */
async function processesWith(text: string): Promise<string[]> {
  const { stdout } = await run('ps', ['-eo', 'pid=,args=']);
  return stdout.split('\n').filter((l) => l.trim().replace(/^\d+\s+/, '') === text);
}

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, tries = 200): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await probe();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe('func CLI with jobs', function () {
  this.timeout(40000);
  let fleet: Fleet;
  const func = (...args: string[]) => runBin('func', args, { env: fleet.env, timeoutMs: 30000 });
  const jobDir = (): string => path.join(fleet.root, 'var/lib/func/overlord-jobs');

  before(async () => { fleet = await startFleet(HOSTS); });
  after(async () => { await fleet?.close(); await stopAll(); });

  it('Ctrl-C prints the job id and the status and cancel commands, exit 130; the cancel command stops it everywhere', async () => {
    const p = spawnBin('func', ['*', 'call', 'command', 'run', 'sleep 17.31'], { env: fleet.env });
    await until('the job record', async () => (await fs.readdir(jobDir()).catch(() => [])).length > 0);
    await until('the remote commands', async () => (await processesWith('sleep 17.31')).length === HOSTS.length);
    p.child.kill('SIGINT');
    const { code } = await p.exited;
    const { stderr } = p.output();
    expect(code, stderr).to.equal(130);
    const id = /job (\S+) keeps running on the minions/.exec(stderr)?.[1];
    expect(id, stderr).to.be.a('string');
    expect(stderr).to.include(`status: func '*' call --jobstatus '${id}'`);
    const cancel = /cancel: (func .*)$/m.exec(stderr)![1]!;
    expect(cancel).to.equal(`func '*' call --cancel '${id}'`);
    expect((await processesWith('sleep 17.31')).length).to.equal(HOSTS.length); // still running after Ctrl-C
    const c = await func('*', 'call', '--cancel', id!);
    expect(c.code, c.stderr).to.equal(0);
    expect(c.stdout).to.equal(HOSTS.map((h) => `${h}: cancelled\n`).join(''));
    await until('the remote commands to end', async () => (await processesWith('sleep 17.31')).length === 0);
    const jobs = JSON.parse((await func('jobs', '--json')).stdout) as Array<{ id: string; state: string }>;
    expect(jobs.find((j) => j.id === id)?.state).to.equal('cancelled');
  });

  it('--timeout ends a job-run call: hosts reported as timed out, the job left running with its id printed, exit 4', async () => {
    const started = Date.now();
    const r = await func('-t', '2', '*', 'call', 'command', 'run', 'sleep 16.47');
    expect(Date.now() - started).to.be.below(6000);
    expect(r.code, r.stderr).to.equal(4);
    expect(r.stdout).to.equal(HOSTS.map((h) => `${h}: TIMEOUT still running after 2 s\n`).join(''));
    const id = /job (\S+) keeps running on the minions/.exec(r.stderr)?.[1];
    expect(id, r.stderr).to.be.a('string');
    expect((await processesWith('sleep 16.47')).length).to.equal(HOSTS.length);
    expect((await func('*', 'call', '--cancel', id!)).code).to.equal(0);
    await until('the remote commands to end', async () => (await processesWith('sleep 16.47')).length === 0);
  });

  it('command run: rc, stdout and stderr per host, FAILED on rc≠0 counted in the exit status; --json keeps [rc, out, err]', async () => {
    const cmd = 'case "$FUNC_ROOT" in *127.0.0.3*) echo bad >&2; exit 3;; esac; echo fine';
    const r = await func('*', 'call', 'command', 'run', cmd);
    expect(r.stdout).to.equal('127.0.0.2: ok (rc 0)\n  stdout:\n    fine\n127.0.0.3: FAILED (rc 3)\n  stderr:\n    bad\n');
    expect(r.stderr).to.match(/1 ok, 1 error/);
    expect(r.code).to.equal(3);
    const j = await func('*', 'call', '--json', 'command', 'run', cmd);
    expect(JSON.parse(j.stdout)).to.deep.equal({ '127.0.0.2': [0, 'fine\n', ''], '127.0.0.3': [3, '', 'bad\n'] });
    expect(j.code).to.equal(3);
  });
});
