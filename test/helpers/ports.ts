// Free TCP ports for test servers (funcd, certmaster, fleets): the kernel's pick, so two test runs on one
// machine never collide on a fixed port.
import net from 'node:net';

/** Listens on host:port (0 = the kernel's pick) and closes again; the port it got, or null when it is taken. */
function probe(host: string, port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(null));
    srv.listen(port, host, () => {
      const got = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(got));
    });
  });
}

/** A port free on every one of `hosts` (the kernel's pick for the first, checked on the others). */
export async function freePort(...hosts: string[]): Promise<number> {
  const [first = '127.0.0.1', ...others] = hosts;
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await probe(first, 0);
    if (port === null) continue;
    if ((await Promise.all(others.map((h) => probe(h, port)))).every((p) => p !== null)) return port;
  }
  throw new Error(`no port free on every one of ${hosts.join(', ')}`);
}
