// The programmatic overlord API (func's Overlord/Client): target a spec, call a method on every host
// concurrently, stream per-host outcomes, run async jobs and read their status from any process.
import path from 'node:path';
import type { RawSection } from '../common/config.js';
import { readCertmasterConf, readOverlordConfig, type OverlordConf } from '../common/config-files.js';
import { silentLogger } from '../common/log.js';
import { FuncPaths, funcRoot, rooted } from '../common/paths.js';
import { overlordSettings } from '../transport/settings.js';
import type { HostEvent, TlsMaterial, TransportClient, TransportFactory, WireValue } from '../transport/types.js';
import { jobProgress, jobStatus, pollJob, submitJob, type JobContext, type JobStatus, type PollOptions } from './async-jobs.js';
import { chooseCredentials, loadCredentials } from './credentials.js';
import { factParam, factReplyOutcome, hostsMatchingFacts } from './fact-filter.js';
import { fanout } from './fanout.js';
import { cancelJob, type CancelResult } from './job-cancel.js';
import { OverlordJobStore, defaultJobDir } from './job-store.js';
import { compareHosts, type CallResults, type HostResult } from './outcome.js';
import { makeModuleProxy, type ModuleProxy } from './proxy.js';
import { TargetResolver } from './targets.js';
import { FileTlsSessionStore } from './tls-session-store.js';

/** Default deadline of a synchronous call when neither the caller nor overlord.conf sets one (seconds). */
export const DEFAULT_TIMEOUT_SECONDS = 30;

/** Options of an Overlord; everything defaults to func's configuration files under the root. */
export interface OverlordOptions {
  /** FUNC_ROOT prefix of every config path (default: $FUNC_ROOT or "/") */
  readonly root?: string;
  /** an alternate overlord.conf, an absolute path looked up under the root (the API's func -c) */
  readonly config?: string;
  /** an alternate overlord.conf read exactly at this path, never under the root (the CLI's -c FILE); wins over `config` */
  readonly configPath?: string;
  /** per-call deadline in seconds (default: overlord.conf socket_timeout when above 0, else 30); 0 = none */
  readonly timeout?: number;
  /** calls in flight at once, func's nforks (default: overlord.conf forks = 64) */
  readonly concurrency?: number;
  /** make run() and the module proxy's func-style run() submit async jobs */
  readonly async?: boolean;
  /** hosts to leave out (same syntax as the spec; func's exclude_spec) */
  readonly exclude?: string;
  /** treat every non-group element of the spec as a regular expression */
  readonly regex?: boolean;
  /** the transport, as a factory or a registered name (default: overlord.conf transport = "xmlrpc") */
  readonly transport?: TransportFactory | string;
  /** overlord.conf [main] values (raw strings) that replace the file's, e.g. the transport's { listen_port: '51240' } */
  readonly settings?: Readonly<Record<string, string>>;
  /** TLS identity to present instead of the one func's rules pick */
  readonly tls?: TlsMaterial;
  /** require each minion's certificate to name the host called (default true) */
  readonly verifyHostName?: boolean;
  /** where async job records live (default: <root>/var/lib/func/overlord-jobs) */
  readonly jobDir?: string;
  /** receives func's stderr notes from target expansion */
  readonly warn?: (message: string) => void;
  /** keep TLS sessions in this directory so later processes resume them (the CLI: <root>/var/lib/func/tls-sessions) */
  readonly tlsSessionDir?: string;
  /** Salt's batch: a sliding window of this many hosts (a number, or "25%" of the targeted hosts) instead of `concurrency` */
  readonly batch?: number | string;
  /** with a batch: seconds to wait after each return before the next host starts */
  readonly batchWait?: number;
  /** func's fact filter (`[connector, clauses]`, see fact-filter.ts): only hosts whose facts satisfy it are called */
  readonly factQuery?: WireValue;
}

/** One overlord: a target spec plus the configuration to reach its minions. Call close() when done. */
export class Overlord {
  /** the FUNC_ROOT in use */
  readonly root: string;
  /** the parsed overlord.conf */
  readonly conf: OverlordConf;
  /** overlord.conf's raw [main] section (settings applied): the transport reads its own keys from it */
  readonly rawConf: RawSection;
  /** the target resolver (cert dirs, groups, down hosts) */
  readonly targets: TargetResolver;
  private readonly store: OverlordJobStore;
  private client: Promise<TransportClient> | null = null;
  /** the TLS sessions kept on disk (tlsSessionDir), written when the overlord closes */
  private sessions: FileTlsSessionStore | null = null;

  /**
   * @param spec func target spec: ";"-separated globs, `@group`, `@group:glob`, `~regex`; an array is joined with ";"
   */
  constructor(readonly spec: string | readonly string[], readonly options: OverlordOptions = {}) {
    this.root = options.root ?? funcRoot();
    ({ conf: this.conf, raw: this.rawConf } = readOverlordConfig(this.root, this.configFile(), { ...options.settings }));
    const cm = readCertmasterConf(this.root);
    this.targets = new TargetResolver({
      certroot: cm.certroot, peerroot: cm.peering ? cm.peerroot : undefined, certExtension: cm.cert_extension,
      groupsFile: rooted(FuncPaths.groups, this.root), groupsBackend: this.conf.backend,
      hostDownList: this.conf.host_down_list, allowUnknownMinions: this.conf.allow_unknown_minions, warn: options.warn,
    });
    this.store = new OverlordJobStore(options.jobDir ?? defaultJobDir(this.root));
  }

  /** The spec as one string. */
  get specText(): string {
    return typeof this.spec === 'string' ? this.spec : this.spec.join(';');
  }

  /** The per-call deadline in milliseconds (0 = none). */
  get timeoutMs(): number {
    const t = this.options.timeout ?? (this.conf.socket_timeout > 0 ? this.conf.socket_timeout : DEFAULT_TIMEOUT_SECONDS);
    return Math.round(t * 1000);
  }

  /** Calls in flight at once. */
  get concurrency(): number {
    return Math.max(1, this.options.concurrency ?? this.conf.forks);
  }

  /**
   * The hosts this overlord targets (exclusions and down hosts removed, and with a fact filter, the hosts whose
   * facts do not satisfy it), sorted; TargetError when none.
   */
  async hosts(): Promise<string[]> {
    const hosts = await this.targets.expand(this.specText, { exclude: this.options.exclude, regex: this.options.regex });
    const query = this.options.factQuery;
    if (query === undefined) return hosts;
    return hostsMatchingFacts(hosts, query, (hs, params) => this.callHosts(hs, 'test.ping', params, this.concurrency));
  }

  /** Calls in flight for a call to `count` hosts: the batch window (N, or N% of them) when set, else `concurrency`. */
  concurrencyFor(count: number): number {
    const b = this.options.batch;
    if (b === undefined) return this.concurrency;
    const pct = typeof b === 'string' && b.endsWith('%') ? Number(b.slice(0, -1)) : null;
    return Math.max(1, pct !== null ? Math.floor((count * pct) / 100) : Number(b)); // Salt: int(n * pct / 100), at least 1
  }

  /** func's list_minions(): the targeted host names, sorted. */
  listMinions(): Promise<string[]> {
    return this.hosts();
  }

  /** Expands any spec with this overlord's sources (no exclusions); [] when nothing matches. */
  expand(spec: string): Promise<string[]> {
    return this.targets.match(spec, { regex: this.options.regex });
  }

  /** Calls `module.method(...args)` on every host; resolves with host → outcome, sorted by host. */
  async call(module: string, method: string, ...args: WireValue[]): Promise<CallResults> {
    const got: HostResult[] = [];
    for await (const e of this.stream(module, method, ...args)) if (e.kind === 'result') got.push(e);
    got.sort((a, b) => compareHosts(a.host, b.host));
    return new Map(got.map((r) => [r.host, r.outcome]));
  }

  /**
   * Calls `module.method(...args)` on every host, yielding events as they happen: `{kind: 'progress', host,
   * progress}` while a host reports progress (transports that carry it), then `{kind: 'result', host, outcome}`
   * once per host as it answers.
   */
  async *stream(module: string, method: string, ...args: WireValue[]): AsyncGenerator<HostEvent, void, undefined> {
    yield* this.streamHosts(await this.hosts(), module, method, args);
  }

  /** Like stream(), for hosts already expanded (e.g. by hosts()): no second look at the cert directory. */
  async *streamHosts(hosts: readonly string[], module: string, method: string, args: WireValue[]): AsyncGenerator<HostEvent, void, undefined> {
    const query = this.options.factQuery;
    const params = query === undefined ? args : [factParam(query), ...args];
    for await (const e of this.callHosts(hosts, `${module}.${method}`, params, this.concurrencyFor(hosts.length))) {
      yield query === undefined || e.kind !== 'result' ? e : { kind: 'result', host: e.host, outcome: factReplyOutcome(e.outcome) };
    }
  }

  private async *callHosts(hosts: readonly string[], method: string, params: WireValue[], concurrency: number): AsyncGenerator<HostEvent, void, undefined> {
    yield* fanout({
      client: await this.transportClient(), hosts, request: { method, params }, concurrency, timeoutMs: this.timeoutMs,
      ...(this.options.batch !== undefined && this.options.batchWait ? { launchDelayMs: this.options.batchWait * 1000 } : {}),
    });
  }

  /** Starts `module.method(...args)` as an async job on every host; resolves with the overlord job id. */
  async callAsync(module: string, method: string, ...args: WireValue[]): Promise<string> {
    return this.submitJob(await this.hosts(), module, method, args);
  }

  /** Like callAsync(), for hosts already expanded. */
  submitJob(hosts: readonly string[], module: string, method: string, args: WireValue[]): Promise<string> {
    return submitJob(this.jobContext(), this.specText, hosts, { module, method, args });
  }

  /** func's run(): results, or (with the async option) a job id. */
  run(module: string, method: string, args: WireValue[] = []): Promise<CallResults | string> {
    return this.options.async ? this.callAsync(module, method, ...args) : this.call(module, method, ...args);
  }

  /** func's job_status(id): `[0, -1]` running, `[3, partial]`, `[1, results]` finished, `[2, 0]` unknown. */
  async jobStatus(id: string): Promise<JobStatus> {
    return jobStatus(this.jobContext(), id);
  }

  /** Polls a job until it finishes (func's local.utils.async_poll). */
  async pollJob(id: string, options?: PollOptions): Promise<JobStatus> {
    return pollJob(this.jobContext(), id, options);
  }

  /** Cancels a job on every host that still runs it (jobs.cancel); null when the job is unknown. */
  async cancelJob(id: string): Promise<Map<string, CancelResult> | null> {
    return cancelJob(this.jobContext(), id);
  }

  /** Progress `[current, total]` of every host still running a job. */
  async jobProgress(id: string): Promise<Map<string, [number, number]>> {
    return jobProgress(this.jobContext(), id);
  }

  /** Ids of the stored jobs with their codes (func's open_job_ids). */
  openJobIds(): Array<{ id: string; code: number }> {
    return this.store.list();
  }

  /** func-style attribute calls: `overlord.module('service').status('sshd')`, `.module('iptables').port.drop_from(22)`. */
  module(name: string): ModuleProxy {
    return makeModuleProxy((method, args) => this.call(name, method, ...args));
  }

  /** Closes the transport client (idle keep-alive connections). */
  async close(): Promise<void> {
    const c = this.client;
    this.client = null;
    if (c) await (await c.catch(() => null))?.close();
    await this.sessions?.flush();
  }

  /** The alternate overlord.conf in use, if any: configPath as given, or config under the root. */
  private configFile(): string | undefined {
    return this.options.configPath ?? (this.options.config ? rooted(this.options.config, this.root) : undefined);
  }

  /** The transport client, made on first use (credentials are read then). */
  private transportClient(): Promise<TransportClient> {
    this.client ??= this.createClient();
    return this.client;
  }

  /** The transport in use (registered transports load on first use, so commands that make no call start fast). */
  async transport(): Promise<TransportFactory> {
    const t = this.options.transport ?? this.conf.transport;
    return typeof t === 'string' ? (await import('../transport/index.js')).getTransport(t) : t;
  }

  /** The transport's own settings from overlord.conf (its declared keys, typed); ConfigError on a bad value. */
  async transportSettings(): Promise<Record<string, unknown>> {
    return overlordSettings(await this.transport(), this.rawConf);
  }

  private async createClient(): Promise<TransportClient> {
    const factory = await this.transport();
    // the credential files are picked once: the TLS material and the CRL the session store watches
    const choice = this.options.tls ? undefined : await chooseCredentials(this.root, this.conf);
    return factory.createClient({
      options: overlordSettings(factory, this.rawConf),
      tls: this.options.tls ?? await loadCredentials(this.root, this.conf, choice),
      verifyHostName: this.options.verifyHostName ?? true,
      log: silentLogger,
      settingsFile: this.configFile() ?? rooted(FuncPaths.overlordConf, this.root),
      ...(this.options.tlsSessionDir ? { tlsSessions: this.sessionStore(this.options.tlsSessionDir, choice?.files.crl) } : {}),
    });
  }

  /** TLS sessions on disk, retired when a minion's signed certificate changes or the CRL does. */
  private sessionStore(dir: string, crl: string | undefined): FileTlsSessionStore {
    const { certroot, certExtension } = this.targets.sources;
    this.sessions = new FileTlsSessionStore(dir, (host) => path.join(certroot, `${host}.${certExtension}`), crl);
    return this.sessions;
  }

  private jobContext(): JobContext {
    return { store: this.store, client: () => this.transportClient(), timeoutMs: this.timeoutMs, concurrency: this.concurrency };
  }
}
