// The programmatic overlord API (func's Overlord/Client): target a spec, call a method on every host
// concurrently, stream per-host outcomes, run async jobs and read their status from any process.
import type { RawSection } from '../common/config.js';
import { readCertmasterConf, readOverlordConfig, type OverlordConf } from '../common/config-files.js';
import { silentLogger } from '../common/log.js';
import { FuncPaths, funcRoot, rooted } from '../common/paths.js';
import { overlordSettings } from '../transport/settings.js';
import type { HostEvent, TlsMaterial, TransportClient, TransportFactory, WireValue } from '../transport/types.js';
import { jobProgress, jobStatus, pollJob, submitJob, type JobContext, type JobStatus, type PollOptions } from './async-jobs.js';
import { loadCredentials } from './credentials.js';
import { fanout } from './fanout.js';
import { OverlordJobStore, defaultJobDir } from './job-store.js';
import { compareHosts, type CallResults, type HostResult } from './outcome.js';
import { makeModuleProxy, type ModuleProxy } from './proxy.js';
import { TargetResolver } from './targets.js';

/** Default deadline of a synchronous call when neither the caller nor overlord.conf sets one (seconds). */
export const DEFAULT_TIMEOUT_SECONDS = 30;

/** Options of an Overlord; everything defaults to func's configuration files under the root. */
export interface OverlordOptions {
  /** FUNC_ROOT prefix of every config path (default: $FUNC_ROOT or "/") */
  readonly root?: string;
  /** an alternate overlord.conf (func's -c/--conf) */
  readonly config?: string;
  /** per-call deadline in seconds (default: overlord.conf socket_timeout, else 30); 0 = none */
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

  /**
   * @param spec func target spec: ";"-separated globs, `@group`, `@group:glob`, `~regex`; an array is joined with ";"
   */
  constructor(readonly spec: string | readonly string[], readonly options: OverlordOptions = {}) {
    this.root = options.root ?? funcRoot();
    ({ conf: this.conf, raw: this.rawConf } = readOverlordConfig(this.root, options.config ? rooted(options.config, this.root) : undefined, { ...options.settings }));
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

  /** The hosts this overlord targets (exclusions and down hosts removed), sorted; TargetError when none. */
  hosts(): Promise<string[]> {
    return this.targets.expand(this.specText, { exclude: this.options.exclude, regex: this.options.regex });
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
    yield* fanout({
      client: await this.transportClient(), hosts, request: { method: `${module}.${method}`, params: args },
      concurrency: this.concurrency, timeoutMs: this.timeoutMs,
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
    return factory.createClient({
      options: overlordSettings(factory, this.rawConf),
      tls: this.options.tls ?? await loadCredentials(this.root, this.conf),
      verifyHostName: this.options.verifyHostName ?? true,
      log: silentLogger,
      settingsFile: this.options.config ? rooted(this.options.config, this.root) : rooted(FuncPaths.overlordConf, this.root),
    });
  }

  private jobContext(): JobContext {
    return { store: this.store, client: () => this.transportClient(), timeoutMs: this.timeoutMs, concurrency: this.concurrency };
  }
}
