// --json on every subcommand that prints results (one document, call --json's {"host": value} shape where it is
// per host), `func jobs`, and errors a user causes as one line without a stack (the stack with -v).
import { expect } from 'chai';
import fs from 'node:fs/promises';
import path from 'node:path';
import { runBin, stopAll } from '../../helpers/processes.js';
import { makeTempRoot, removeTempRoot } from '../../helpers/temp-root.js';
import { startFleet, type Fleet } from '../fleet.js';

const HOSTS = ['127.0.0.2', '127.0.0.3'];

describe('func --json and user errors', function () {
  this.timeout(30000);
  let fleet: Fleet;
  let scratch: string;
  const func = (...args: string[]) => runBin('func', args, { env: fleet.env, timeoutMs: 20000 });
  const json = async (...args: string[]): Promise<unknown> => {
    const r = await func(...args);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.trim().split('\n'), 'one document').to.have.length(1);
    return JSON.parse(r.stdout);
  };

  before(async () => {
    fleet = await startFleet(HOSTS);
    scratch = await makeTempRoot('func-json');
  });
  after(async () => {
    await fleet?.close();
    if (scratch) await removeTempRoot(scratch);
    await stopAll();
  });

  it('ping, list_minions, show, grep, check', async () => {
    expect(await json('*', 'ping', '--json')).to.deep.equal({ '127.0.0.2': 1, '127.0.0.3': 1 });
    expect(await json('--json', '*', 'list_minions')).to.deep.equal(HOSTS);
    const show = await json('127.0.0.2', 'show', 'hardware', '--json') as Record<string, Record<string, unknown>>;
    expect(show['127.0.0.2']!.numCpus).to.be.a('string');
    const grep = await json('127.0.0.2', 'grep', '-m', 'hardware', '--json', 'cpu') as Record<string, Record<string, Record<string, unknown[]>>>;
    expect(grep['127.0.0.2']!.hardware!['func.minion.modules.hardware.info']).to.be.an('array').that.is.not.empty;
    const check = await json('*', 'check', '--json') as { ok: boolean; findings: Array<{ ok: boolean; text: string }> };
    expect(check.ok).to.equal(true);
    expect(check.findings.map((f) => f.text)).to.include('127.0.0.2: test.add(1, 2) == 3');
  });

  it('copyfile and getfile', async () => {
    const file = path.join(scratch, 'f.txt');
    await fs.writeFile(file, 'hello');
    const remote = path.join(scratch, 'copied-by-func.txt');
    expect(await json('127.0.0.2', 'copyfile', '--json', '-f', file, '--remotepath', remote)).to.deep.equal({ '127.0.0.2': 5 });
    const got = await json('127.0.0.2', 'getfile', '--json', '--remotesource', remote, '--localdir', path.join(scratch, 'got')) as Record<string, string>;
    expect(await fs.readFile(got['127.0.0.2']!, 'utf8')).to.equal('hello');
  });

  it('a failed host is {"error": {status, type, message, trace}} beside the others\' values', async () => {
    const r = await func('*', 'call', '--json', 'test', 'explode');
    const doc = JSON.parse(r.stdout) as Record<string, { error: { status: string; type: string; message: string } }>;
    expect(Object.keys(doc)).to.deep.equal(HOSTS);
    expect(doc['127.0.0.2']!.error).to.include({ status: 'error', type: 'exceptions.Exception', message: 'khhhhhhaaaaaan!!!!!!' });
  });

  it('func jobs lists the overlord\'s jobs as a table and as JSON', async () => {
    const sub = await func('*', 'call', '--async', '--nopoll', 'test', 'add', '1', '2');
    const id = /JOB_ID: '(.+)'/.exec(sub.stdout)![1]!;
    const list = await json('jobs', '--json') as Array<Record<string, unknown>>;
    const job = list.find((j) => j.id === id)!;
    expect(job).to.include({ target: '*', method: 'test.add', total: 2 });
    expect(job.state).to.be.oneOf(['running', 'finished']);
    expect(Date.parse(job.started as string)).to.be.closeTo(Date.now(), 60000);
    const table = await func('jobs');
    expect(table.stdout).to.match(/^ID +TARGET +METHOD +STARTED +STATE +HOSTS\n/);
    expect(table.stdout).to.include(id);
  });

  it('an unwritable job directory is one line naming it, exit 2', async () => {
    const jobs = path.join(fleet.root, 'var/lib/func/overlord-jobs');
    const saved = `${jobs}.saved`;
    await fs.rename(jobs, saved).catch(() => undefined);
    await fs.writeFile(jobs, 'not a directory');
    try {
      const r = await func('*', 'call', '--async', 'test', 'ping');
      expect(r.code).to.equal(2);
      expect(r.stderr.trim().split('\n')).to.have.length(1);
      expect(r.stderr).to.include(jobs);
      expect(r.stderr).not.to.match(/\n\s+at /);
    } finally {
      await fs.rm(jobs, { force: true });
      await fs.rename(saved, jobs).catch(() => undefined);
    }
  });

  it('a missing local file is one line naming it, exit 2; -v adds the stack', async () => {
    const missing = path.join(scratch, 'no-such-file');
    const r = await func('*', 'copyfile', '-f', missing, '--remotepath', '/tmp/x');
    expect(r.code).to.equal(2);
    expect(r.stderr.trim().split('\n')).to.have.length(1);
    expect(r.stderr).to.include(missing);
    const v = await func('*', 'copyfile', '-v', '-f', missing, '--remotepath', '/tmp/x');
    expect(v.stderr).to.match(/\n\s+at /);
  });
});
