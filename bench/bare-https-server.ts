// The ceiling for bench/minion-calls.ts: a bare Node https server over the same mutual TLS as funcd (same key,
// certificate, CA and TLS options) that answers every POST with one constant XML-RPC reply, parsing nothing.
// Usage: node dist/bench/bare-https-server.js HOST PORT KEY CERT CA   (prints "ready" once listening)
import https from 'node:https';
import { loadTlsMaterial, serverTlsOptions } from '../common/tls.js';

/** The reply funcd gives to test.ping, byte for byte in content. */
const REPLY = '<?xml version="1.0"?>\n<methodResponse>\n<params>\n<param>\n<value><int>1</int></value>\n</param>\n</params>\n</methodResponse>\n';
const LENGTH = Buffer.byteLength(REPLY);

function main(): void {
  const [host, port, key, cert, ca] = process.argv.slice(2);
  if (!host || !port || !key || !cert || !ca) throw new Error('usage: bare-https-server.js HOST PORT KEY CERT CA');
  const server = https.createServer({ ...serverTlsOptions(loadTlsMaterial({ key, cert, ca })), noDelay: true }, (req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'Content-Type': 'text/xml', 'Content-Length': LENGTH });
      res.end(REPLY);
    });
  });
  server.listen(Number(port), host, () => process.stdout.write('ready\n'));
  process.on('SIGTERM', () => { server.close(); server.closeAllConnections(); });
}

main();
