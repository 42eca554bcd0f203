// Mocha root hooks (.mocharc.json) replacing mocha's `exit: true`: whatever a test left open (socket, server, timer,
// child, watcher) fails the run by name, and each top-level suite ending with more open than it began with is named
// on stderr. FUNC_TEST_WHY=1 adds each live handle's creation stack (why-is-node-running).
import type net from 'node:net';
import type { ChildProcess } from 'node:child_process';

type Why = (logger: { error(...args: unknown[]): void }) => void;
let why: Why | null = null;
if (process.env.FUNC_TEST_WHY === '1') why = (await import('why-is-node-running')).default as Why;

/** How long closes already under way get to finish before what is still open counts as leaked. */
const DRAIN_MS = 3000;
/** After a leak report, how long the process may stay alive before it is ended with status 1. */
const WATCHDOG_MS = 5000;

/** Counts of each resource type (process.getActiveResourcesInfo) */
function census(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo()) counts.set(type, (counts.get(type) ?? 0) + 1);
  return counts;
}

/**
 * The census taken from inside an async hook once mocha has armed its timeout timer for it (mocha arms it after
 * the hook returns its promise), so that every census counts that one timer alike.
 */
async function settledCensus(): Promise<Map<string, number>> {
  await new Promise((r) => setImmediate(r));
  return census();
}

/** The resources of `now` beyond those of `base`, as "type ×n". */
function beyond(now: Map<string, number>, base: Map<string, number>): string[] {
  const extra: string[] = [];
  for (const [type, n] of now) {
    const more = n - (base.get(type) ?? 0);
    if (more > 0) extra.push(more > 1 ? `${type} ×${more}` : type);
  }
  return extra;
}

/** What a handle is, in a line: a socket's ends, a server's address, a child's command line. */
function describeHandle(h: unknown): string | null {
  const name = (h as object).constructor?.name ?? typeof h;
  if (name === 'ChildProcess') {
    const c = h as ChildProcess;
    return `child process ${c.pid}: ${c.spawnargs.join(' ')}`;
  }
  if (name === 'Server') {
    const addr = (h as net.Server).address();
    return `server listening on ${typeof addr === 'string' ? addr : addr ? `${addr.address}:${addr.port}` : '?'}`;
  }
  if (name === 'Socket' || name === 'TLSSocket') {
    const s = h as net.Socket & { fd?: number; _handle?: { fd?: number } };
    const fd = s._handle?.fd;
    if (fd !== undefined && fd >= 0 && fd <= 2) return null; // the test process's own stdio
    if (s.remoteAddress) return `${name} ${s.localAddress}:${s.localPort} → ${s.remoteAddress}:${s.remotePort}`;
    return `${name} (pipe or unconnected)`;
  }
  return name;
}

/** Resolves with what is still open beyond `base` once nothing is, or after `ms`. */
async function drained(base: Map<string, number>, ms: number): Promise<string[]> {
  const deadline = Date.now() + ms;
  let left = beyond(await settledCensus(), base);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    left = beyond(census(), base);
  }
  return left;
}

function openHandles(): string[] {
  return (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles()
    .map(describeHandle).filter((d): d is string => d !== null);
}

let baseline = new Map<string, number>();

export const mochaHooks = {
  async beforeAll(this: Mocha.Context): Promise<void> {
    baseline = await settledCensus();
    // name each top-level suite (a test file) that ends with more open than it started with
    let before = baseline;
    for (const suite of this.test?.parent?.suites ?? []) {
      suite.afterAll('open-handles check', async function (this: Mocha.Context) {
        this.timeout(5000);
        const left = await drained(before, 1000);
        if (left.length) console.error(`open-handles: "${suite.title}" left open: ${left.join(', ')}\n  ${openHandles().join('\n  ')}`);
        before = await settledCensus();
      });
    }
  },
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(DRAIN_MS + 2000);
    const left = await drained(baseline, DRAIN_MS);
    if (left.length === 0) return;
    const handles = openHandles();
    if (why) why({ error: (...args: unknown[]) => console.error(...args) });
    // never hang on what leaked: end the process if it is still alive a while after the report
    setTimeout(() => {
      console.error(`open-handles: still running ${WATCHDOG_MS} ms after the run ended: ${process.getActiveResourcesInfo().join(', ')}`);
      process.exit(1);
    }, WATCHDOG_MS).unref();
    throw new Error(`the tests left open: ${left.join(', ')}${handles.length ? `\n  ${handles.join('\n  ')}` : ''}`
      + (why ? '' : '\n  (rerun with FUNC_TEST_WHY=1 for where each was created)'));
  },
};
