// A minion's name, as func and certmaster derive it (func-compat.md §7.5): minion_name from
// /etc/func/minion.conf, else the name of the address that routes to certmaster, else the host name, else an IP.
import dgram from 'node:dgram';
import dns from 'node:dns/promises';
import os from 'node:os';
import { readCertmasterMinionConf, readMinionConfig } from './config-files.js';
import { funcRoot } from './paths.js';

/** Inputs of resolveMinionName besides the root. */
export interface MinionNameOptions {
  /** a name chosen on the command line (certmaster-request --hostname); wins over everything, lower-cased */
  override?: string;
  /** certmaster host and port to find the route towards (default: those of <root>/etc/certmaster/minion.conf) */
  certmaster?: string;
  certmasterPort?: number;
  /** limit for each network lookup, in ms (default 5000, as the original's socket timeout) */
  timeoutMs?: number;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), ms);
    p.then((v) => { clearTimeout(timer); resolve(v); }, () => { clearTimeout(timer); resolve(null); });
  });
}

/**
 * The local address the system would use to reach host:port. A connected UDP socket gives it without
 * sending anything, so this works while certmaster is still down (the original's TCP connect needs it up).
 */
export function routeAddress(host: string, port: number, timeoutMs = 5000): Promise<string | null> {
  const lookup = new Promise<string>((resolve, reject) => {
    const sock = dgram.createSocket(net4or6(host));
    sock.on('error', (err) => { sock.close(); reject(err); });
    // on a failed lookup or connect, Node passes the error to this callback
    sock.connect(port, host, (err?: Error) => {
      const addr = err ? '' : sock.address().address;
      sock.close();
      if (!addr || addr === '0.0.0.0' || addr === '::') reject(err ?? new Error('no route'));
      else resolve(addr);
    });
  });
  return withTimeout(lookup, timeoutMs);
}

function net4or6(host: string): 'udp4' | 'udp6' {
  return host.includes(':') ? 'udp6' : 'udp4';
}

function isLoopbackName(name: string): boolean {
  const n = name.toLowerCase();
  return n === 'localhost' || n.startsWith('localhost.') || n === 'ip6-localhost' || n === 'ip6-loopback';
}

function isLoopbackAddress(addr: string): boolean {
  return addr.startsWith('127.') || addr === '::1';
}

/** The name an address reverse-resolves to through the system resolver (/etc/hosts, DNS), or null. */
async function reverseName(address: string, timeoutMs: number): Promise<string | null> {
  const found = await withTimeout(dns.lookupService(address, 0), timeoutMs);
  const name = found?.hostname;
  if (!name || name === address || isLoopbackName(name)) return null;
  return name.toLowerCase();
}

/** gethostname(), lower-cased, when it resolves to a non-loopback address; else null. */
async function nonLoopbackHostName(timeoutMs: number): Promise<string | null> {
  const name = os.hostname().toLowerCase();
  if (!name || isLoopbackName(name)) return null;
  const addrs = await withTimeout(dns.lookup(name, { all: true }), timeoutMs);
  if (!addrs || addrs.length === 0 || addrs.every((a) => isLoopbackAddress(a.address))) return null;
  return name;
}

/**
 * Resolves the minion's name under `root`: options.override; else minion_name of <root>/etc/func/minion.conf
 * (lower-cased); else the reverse name of the local address that routes to certmaster, or of listen_addr;
 * else gethostname() if it is not loopback; else that local address itself (or 127.0.0.1 when there is no route at all).
 */
export async function resolveMinionName(root: string = funcRoot(), options: MinionNameOptions = {}): Promise<string> {
  if (options.override) return options.override.trim().toLowerCase();
  const { conf, raw } = readMinionConfig(root);
  const configured = conf.minion_name.trim();
  if (configured) return configured.toLowerCase();
  const timeoutMs = options.timeoutMs ?? 5000;
  const cm = options.certmaster === undefined ? readCertmasterMinionConf(root) : null;
  const local = await routeAddress(options.certmaster ?? cm!.certmaster, options.certmasterPort ?? cm?.certmaster_port ?? 51235, timeoutMs);
  const byRoute = local ? await reverseName(local, timeoutMs) : null;
  if (byRoute) return byRoute;
  // func's rule reads minion.conf's listen_addr (the XML-RPC transport's key, func's name for it)
  const listenAddr = raw.values.listen_addr?.trim() ?? '';
  const byListenAddr = listenAddr ? await reverseName(listenAddr, timeoutMs) : null;
  if (byListenAddr) return byListenAddr;
  const hostName = await nonLoopbackHostName(timeoutMs);
  if (hostName) return hostName;
  return local ?? '127.0.0.1';
}
