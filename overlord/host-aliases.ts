// The other names of a host, as func's get_all_host_aliases (gethostbyname_ex) finds them: its addresses'
// reverse names and DNS CNAMEs. Bounded in time, and empty when the name does not resolve.
import dns from 'node:dns/promises';

const LOOKUP_LIMIT_MS = 2000;

function withLimit<T>(p: Promise<T>, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<T>((resolve) => { timer = setTimeout(() => resolve(fallback), LOOKUP_LIMIT_MS); });
  return Promise.race([p.catch(() => fallback), limit]).finally(() => clearTimeout(timer));
}

/** The name itself, its CNAMEs and the reverse names of its addresses; [name] when nothing resolves. */
export async function hostAliases(name: string): Promise<string[]> {
  const out = new Set<string>([name]);
  const addresses = await withLimit(dns.lookup(name, { all: true }), []);
  const reverse = await Promise.all(addresses.map((a) => withLimit(dns.lookupService(a.address, 0).then((r) => [r.hostname]), [] as string[])));
  for (const names of reverse) for (const n of names) out.add(n);
  for (const c of await withLimit(dns.resolveCname(name), [] as string[])) out.add(c);
  return [...out];
}
