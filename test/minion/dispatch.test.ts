// Tests of the Dispatcher over really loaded modules: lookup errors, argument errors, deadlines, aborts,
// wrapping of foreign errors, and what a method's context carries.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import {
  FuncError, InvalidArgumentsError, JobError, MethodNotFoundError, ModuleError, ModuleNotFoundError, TimeoutError,
} from '../../common/errors.js';
import { removeTempRoot, makeTempRoot } from '../helpers/temp-root.js';
import { repoRoot } from '../helpers/processes.js';
import { callContext, makeMinionRoot, rejection, startMinion, testPeer, writeFiles, type TestMinion } from './dispatch-fixture.js';
import { splitMethodName } from '../../minion/dispatch.js';
import { JobStore } from '../../minion/job-store.js';
import type { Logger } from '../../common/log.js';
import type { ProgressEvent, WireValue } from '../../transport/types.js';

const errorsUrl = pathToFileURL(path.join(repoRoot, 'dist/common/errors.js')).href;
const m = (name: string, body: string, extra = ''): string =>
  `${name}: { description: '${name}', args: [${extra}], example: 'func "*" call odd ${name}', ${body} },`;

/** Modules that misbehave on purpose. */
const ODD_MODULES = {
  'package.json': '{ "type": "module" }',
  'odd.js': `import { ModuleError } from '${errorsUrl}';
const seen = globalThis.__oddSeen = {};
export default { description: 'Misbehaves on purpose', options: { colour: { type: 'string', default: 'blue' } }, methods: {
  ${m('plain', "run: () => { throw new RangeError('plain failure'); }")}
  ${m('text', "run: () => { throw 'a thrown string'; }")}
  ${m('typed', "run: () => { throw new ModuleError('typed failure', 'exceptions.OSError'); }")}
  ${m('nothing', 'run: () => undefined')}
  ${m('slow', 'timeout: 0.2, run: (a, ctx) => { seen.slow = ctx.signal; return new Promise(() => {}); }')}
  ${m('stubborn', 'run: () => new Promise((ok) => setTimeout(() => ok(1), 1000))')}
  ${m('patient', "timeout: 5, run: () => new Promise((ok) => setTimeout(() => ok('done'), 300))")}
  ${m('endless', 'timeout: 60, run: (a, ctx) => { ctx.progress({ current: 0, total: 1 }); return new Promise(() => {}); }')}
  ${m('context', "run: (a, ctx) => { ctx.progress({ current: 1, total: 2 }); ctx.log.info('hello from odd'); return { job: ctx.jobId, minion: ctx.minion.name, root: ctx.minion.root, cn: ctx.caller.cn, colour: ctx.options.colour, modules: Object.keys(ctx.inventory()) }; }")}
  ${m('jobs', "run: (a, ctx) => ctx.jobs.status(a[0])", "{ name: 'id', type: 'string', description: 'd', optional: false }")}
} };
`,
  'gone.js': "export default { description: 'gone', available: () => 'gone away to sea', methods: {} };\n",
};

describe('minion/dispatch', () => {
  let root: string;
  let oddDir: string;
  let real: TestMinion;
  let odd: TestMinion;

  before(async () => {
    root = await makeMinionRoot('dispatch-test');
    oddDir = await makeTempRoot('dispatch-odd-modules');
    await writeFiles(oddDir, ODD_MODULES);
    real = await startMinion({ root });
    odd = await startMinion({ root, dir: oddDir, callTimeoutSec: 0.1 });
  });
  after(async () => {
    await removeTempRoot(root);
    await removeTempRoot(oddDir);
  });

  it('splits method names at the last dot', () => {
    expect(splitMethodName('iptables.port.drop_from')).to.deep.equal(['iptables.port', 'drop_from']);
    expect(splitMethodName('test.ping')).to.deep.equal(['test', 'ping']);
    for (const bad of ['ping', '.ping', 'test.']) expect(() => splitMethodName(bad)).to.throw(ModuleNotFoundError);
  });

  it('rejects an unknown module with ModuleNotFoundError', async () => {
    const err = await rejection(real.call('nosuchmod.foo'), ModuleNotFoundError);
    expect(err.message).to.equal("no module named 'nosuchmod' on this minion");
    expect(err.reason).to.equal(undefined);
  });

  it("gives the loader's reason for an unavailable module", async () => {
    const err = await rejection(odd.call('gone.anything'), ModuleNotFoundError);
    expect(err.message).to.equal("module 'gone' is not available: gone away to sea");
    const limited = await startMinion({ root, moduleList: ['test'] });
    const notListed = await rejection(limited.call('jobs.list'), ModuleNotFoundError);
    expect(notListed.reason).to.equal('not in module_list');
    expect(await limited.call('test.ping')).to.equal(1);
  });

  it('rejects an unknown method, also of system and of inherited object names', async () => {
    for (const name of ['test.nosuch', 'test.constructor', 'test.__proto__', 'system.nosuch']) {
      const err = await rejection(real.call(name), MethodNotFoundError);
      expect(err.methodName).to.equal(name.split('.')[1]);
    }
  });

  it('rejects wrong types with a message naming the argument', async () => {
    const err = await rejection(real.call('test.sleep', 'soon'), InvalidArgumentsError);
    expect(err.message).to.equal("test.sleep(): argument 't' must be int or float, got string 'soon'");
    expect(err.problems[0]?.name).to.equal('t');
  });

  it('rejects missing and extra arguments, naming what was expected', async () => {
    const missing = await rejection(real.call('test.add', 1), InvalidArgumentsError);
    expect(missing.message).to.equal(
      "test.add(): argument 'numb2' (int) is missing; expects 2 arguments (numb1:int, numb2:int), got 1");
    const extra = await rejection(real.call('test.ping', 1), InvalidArgumentsError);
    expect(extra.message).to.equal('test.ping(): expects no arguments, got 1');
  });

  it('refuses fact queries', async () => {
    const err = await rejection(real.call('test.ping', { __fact__: ['AND', [['os', 'Fedora']]] }), InvalidArgumentsError);
    expect(err.message).to.equal('fact queries are not supported by this minion');
  });

  it("ends a call at the method's timeout and aborts its signal", async () => {
    const started = performance.now();
    const err = await rejection(odd.call('odd.slow'), TimeoutError);
    expect(err.message).to.equal('odd.slow() did not finish within 0.2 s');
    expect(performance.now() - started, 'not before the timeout').to.be.at.least(150);
    const signal = (globalThis as { __oddSeen?: { slow?: AbortSignal } }).__oddSeen?.slow;
    expect(signal?.aborted).to.equal(true);
    expect(signal?.reason).to.equal(err);
  });

  it("ends a call at the minion's call timeout unless the method sets its own", async () => {
    await rejection(odd.call('odd.stubborn'), TimeoutError);
    expect(await odd.call('odd.patient')).to.equal('done');
  });

  it('rejects as soon as the caller aborts, with the abort reason', async () => {
    // aborted once the never-ending method runs (it reports progress as it starts); were the abort ignored, the
    // call would run into the test's timeout
    const controller = new AbortController();
    const onProgress = () => setImmediate(() => controller.abort(new TimeoutError('caller gave up')));
    const pending = odd.dispatcher.call('odd.endless', [], callContext({ signal: controller.signal, onProgress }));
    const err = await rejection(pending, TimeoutError);
    expect(err.message).to.equal('caller gave up');
    const already = AbortSignal.abort();
    await rejection(real.dispatcher.call('test.ping', [], callContext({ signal: already })), FuncError);
  });

  it('wraps errors that are not FuncErrors, keeping the message', async () => {
    const plain = await rejection(odd.call('odd.plain'), ModuleError);
    expect(plain.message).to.equal('plain failure');
    expect(plain.pythonType).to.equal('exceptions.Exception');
    expect(plain.cause).to.be.instanceOf(RangeError);
    const text = await rejection(odd.call('odd.text'), ModuleError);
    expect(text.message).to.equal('a thrown string');
    const typed = await rejection(odd.call('odd.typed'), ModuleError);
    expect([typed.message, typed.pythonType]).to.deep.equal(['typed failure', 'exceptions.OSError']);
  });

  it('turns a method result of undefined into nil', async () => {
    expect(await odd.call('odd.nothing')).to.equal(null);
  });

  it("gives a method its job id, logger, progress, caller, minion, options and the inventory", async () => {
    const lines: string[] = [];
    const log: Logger = { debug: (s) => lines.push(s), info: (s) => lines.push(s), warn: (s) => lines.push(s), error: (s) => lines.push(s) };
    const events: ProgressEvent[] = [];
    const result = await odd.dispatcher.call('odd.context', [], callContext({ jobId: '12.5-minion', log, onProgress: (e) => events.push(e) }));
    expect(result).to.deep.equal({ job: '12.5-minion', minion: 'minion1.example.org', root, cn: testPeer.cn, colour: 'blue', modules: ['odd'] });
    expect(lines).to.deep.equal(['hello from odd']);
    expect(events).to.deep.equal([{ current: 1, total: 2 }]);
    expect((await odd.call('odd.context') as { job: WireValue }).job).to.equal(null);
  });

  it('makes jobs methods fail clearly without a job store, and reads the store when there is one', async () => {
    const err = await rejection(odd.call('odd.jobs', '1.5-minion'), JobError);
    expect(err.message).to.equal('no job store in this process');
    const dir = await makeTempRoot('dispatch-jobs');
    const jobs = new JobStore({ dir: path.join(dir, 'jobs'), methodLogDir: path.join(dir, 'methods'), retentionSec: 60, failureToWire: () => null });
    try {
      await jobs.open();
      const withJobs = await startMinion({ root, jobs });
      expect(await withJobs.call('jobs.job_status', '1382476364.234531-minion')).to.deep.equal([2, 0]);
      expect(await withJobs.call('jobs.list')).to.deep.equal([]);
    } finally {
      await jobs.close();
      await removeTempRoot(dir);
    }
  });

  it('answers system.* from the registry', async () => {
    expect(await real.call('system.list_modules')).to.deep.equal(real.registry.moduleNames());
    const all = await real.call('system.listMethods') as string[];
    expect(all).to.deep.equal(await real.call('system.list_methods'));
    expect(all).to.include.members(['system.listMethods', 'system.grep', 'test.ping', 'test.get_method_args']);
    expect(all).to.deep.equal([...all].sort());
    const inv = await real.call('system.inventory') as Record<string, string[]>;
    expect(Object.keys(inv)).to.not.include('system');
    expect(inv.test).to.deep.equal(real.registry.methodNames('test'));
    expect(await real.call('system.grep', '  PING ')).to.deep.equal({ 'func.minion.server.list_methods': 'test.ping' });
    expect(await real.call('system.grep', 'tes')).to.deep.equal({
      'func.minion.server.list_modules': 'test', 'func.minion.server.list_methods': all.filter((n) => n.includes('tes')).pop() as string,
    });
    expect(await real.call('system.grep', 'zzzz-nothing')).to.deep.equal({});
  });

  it('serves many calls at once', async () => {
    const results = await Promise.all(Array.from({ length: 500 }, (_, i) => real.call('test.add', i, 1)));
    expect(results).to.deep.equal(Array.from({ length: 500 }, (_, i) => i + 1));
  });
});
