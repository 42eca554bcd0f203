// Interop with CPython's stdlib xmlrpc (python3 on PATH): documents both ways, a Python ServerProxy with a
// client certificate calling our XmlRpcServer (and a raw ssl client sending as func's Python 2 overlord did), and our
// XmlRpcClient calling a Python SimpleXMLRPCServer over mutual TLS.
import { expect } from 'chai';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { ConnectionError, RemoteError } from '../../../common/errors.js';
import { FaultError } from '../../../transport/xmlrpc/faults.js';
import type { WireValue } from '../../../transport/types.js';
import { XmlRpcClient } from '../../../transport/xmlrpc/client.js';
import { decodeCall, decodeResponse, encodeCall } from '../../../transport/xmlrpc/codec.js';
import { repoRoot } from '../../helpers/processes.js';
import { createTlsFixtures, type TlsFixtures } from '../../helpers/tls-fixtures.js';
import { startServer, stopAllServers } from './harness.js';

const run = promisify(execFile);
const PY = path.join(repoRoot, 'test', 'transport', 'py');

function withProto(value: WireValue): Record<string, WireValue> {
  const o: Record<string, WireValue> = {};
  Object.defineProperty(o, '__proto__', { value, enumerable: true, writable: true, configurable: true });
  return o;
}

/** The same values as PAYLOAD in py/payload.py. */
const PAYLOAD: WireValue[] = [
  1, -2147483648, 2147483647,
  'h\u00e9llo <&> ]]> "q" \u2603 \u{1F600}', '', 'tab\tnewline\n',
  true, false, null,
  3.25, -0.5, 1e21, 3.7e-32, 123121232.23, Infinity,
  [1, [2, [3, { k: null }]]],
  { a: 1, b: [true, null], c: { d: 'e' } },
  [], {},
  Buffer.from([0, 1, 255, ...Buffer.from(' binary')]),
  new Date(Date.UTC(2024, 0, 2, 3, 4, 5)),
  withProto({ polluted: true }),
];

async function python(script: string, args: string[], input?: string): Promise<string> {
  const child = execFile('python3', ['-B', path.join(PY, script), ...args], { timeout: 15_000 });
  const out = new Promise<string>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => { stdout += d; });
    child.stderr!.on('data', (d) => { stderr += d; });
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${script} exited ${code}: ${stderr}`))));
  });
  child.stdin!.end(input ?? '');
  return out;
}

describe('transport/xmlrpc interop with Python xmlrpc', function () {
  let pki: TlsFixtures;
  before(async () => { pki = await createTlsFixtures(); });
  after(async () => { await stopAllServers(); await pki.cleanup(); });

  describe('documents', () => {
    it("decodes Python's dumps() of a call with every type", async () => {
      const xml = await python('codec_peer.py', ['dumps-call']);
      expect(decodeCall(xml)).to.deep.equal({ method: 'test.echo', params: PAYLOAD });
    });

    it("decodes Python's dumps() of a response and of a fault", async () => {
      expect(decodeResponse(await python('codec_peer.py', ['dumps-response']))).to.deep.equal({ ok: true, value: PAYLOAD });
      expect(decodeResponse(await python('codec_peer.py', ['dumps-fault'])))
        .to.deep.equal({ ok: false, faultCode: 42, faultString: 'boom <&> \u2603' });
    });

    it('writes calls that Python loads() to equal values (with CR kept and i8 read as int)', async () => {
      const xml = encodeCall('test.echo', [...PAYLOAD, 'cr\rkept', 2n ** 40n, -(2n ** 40n)]);
      const report = JSON.parse(await python('codec_peer.py', ['loads'], xml));
      expect(report).to.deep.include({ method: 'test.echo', count: PAYLOAD.length + 3, mismatches: [] });
      expect(report.equal).to.equal(true);
    });
  });

  describe('a Python ServerProxy calling our server over mutual TLS', () => {
    it('echoes every type, gets faults, REMOTE_ERROR lists and a gzip reply', async function () {
      this.timeout(20_000);
      const server = await startServer({ tls: pki.material(pki.server) });
      const out = JSON.parse(await python('client.py',
        [String(server.address.port), pki.ca.certFile, pki.client.certFile, pki.client.keyFile]));
      expect(out.echo_equal).to.equal(true);
      expect(out.each_equal).to.deep.equal(PAYLOAD.map(() => true));
      expect(out.whoami).to.include({ cn: 'client1.example.org', address: '127.0.0.1' });
      expect(out.add).to.equal(5);
      expect(out.deny).to.deep.equal([1, "<class 'func.minion.codes.AccessToMethodDenied'>:caller may not call test.deny"]);
      expect(out.bigint).to.deep.equal([1, "<type 'exceptions.OverflowError'>:int exceeds XML-RPC limits"]);
      expect(out.bad_return).to.deep.equal([1, "<type 'exceptions.TypeError'>:cannot marshal <type 'undefined'> objects"]);
      expect(out.nosuch.slice(0, 3)).to.deep.equal(['REMOTE_ERROR', 'func.minion.codes.InvalidMethodException', "module 'test' has no method 'nosuch'"]);
      expect(out.explode).to.deep.equal(['REMOTE_ERROR', 'exceptions.Exception', 'khhhhhhaaaaaan!!!!!!']);
      expect(out.big_len).to.equal(100000);
    });

    it('fails a 17 MiB request over max_body_bytes within a second, sent as func\'s Python overlord does (head, sendall, read)', async function () {
      this.timeout(30_000);
      const server = await startServer({ tls: pki.material(pki.server), limits: { maxBytes: 16 * 1024 * 1024 } });
      const out = JSON.parse(await python('sendall_client.py',
        [String(server.address.port), pki.ca.certFile, pki.client.certFile, pki.client.keyFile, String(17 * 1024 * 1024)]));
      // issue 8 item 6 reported this client sitting out its 20 s timeout in sendall after the 413; on loopback funcd at
      // 897820c (before the fix) already failed it in 0.1 s, so this guards the behaviour rather than reproducing the hang
      expect(out.error ?? out.answer, JSON.stringify(out)).to.not.match(/timeout/);
      expect(out.seconds, JSON.stringify(out)).to.be.below(1);
      if (out.phase === 'read') expect(out.answer).to.match(/^HTTP\/1\.1 413 /);
    });
  });

  describe('our client calling a Python SimpleXMLRPCServer with CERT_REQUIRED', () => {
    let child: ChildProcess;
    let port = 0;
    let client: XmlRpcClient;
    before(async () => {
      child = spawn('python3', ['-B', path.join(PY, 'server.py'), pki.ca.certFile, pki.server.certFile, pki.server.keyFile],
        { stdio: ['ignore', 'pipe', 'pipe'] });
      port = await new Promise<number>((resolve, reject) => {
        let buf = '';
        child.stdout!.on('data', (d) => { buf += d; if (buf.includes('\n')) resolve(Number(buf.trim())); });
        child.on('exit', (code) => reject(new Error(`server.py exited ${code}`)));
      });
      client = new XmlRpcClient({ tls: pki.material(pki.client), port });
    });
    after(async () => {
      await client?.close();
      child?.kill('SIGKILL');
    });

    it('echoes every type', async () => {
      expect(await client.call('localhost', { method: 'echo', params: [PAYLOAD] })).to.deep.equal(PAYLOAD);
      expect(await client.call(`127.0.0.1:${port}`, { method: 'add', params: [2, 40] })).to.equal(42);
    });

    it('presents our client certificate', async () => {
      expect(await client.call('localhost', { method: 'whoami', params: [] })).to.equal('client1.example.org');
    });

    it('turns Python faults into FaultError and REMOTE_ERROR lists into RemoteError', async () => {
      const fault = await client.call('localhost', { method: 'fault', params: [] }).catch((e: unknown) => e);
      expect(fault).to.be.instanceOf(FaultError).and.include({ faultCode: 42, faultString: 'python fault <&>' });
      const failed = await client.call('localhost', { method: 'fail', params: [] }).catch((e: unknown) => e);
      expect(failed).to.be.instanceOf(FaultError).and.include({ faultCode: 1, faultString: "<class 'ValueError'>:python exception" });
      const overflow = await client.call('localhost', { method: 'bigint', params: [] }).catch((e: unknown) => e);
      expect((overflow as FaultError).faultString).to.equal("<class 'OverflowError'>:int exceeds XML-RPC limits");
      const remote = await client.call('localhost', { method: 'remote_error', params: [] }).catch((e: unknown) => e);
      expect(remote).to.be.instanceOf(RemoteError).and.include({ remoteType: 'exceptions.Exception', message: 'boom', trace: 'trace here' });
    });

    it('reads a large reply', async () => {
      expect(((await client.call('localhost', { method: 'big', params: [300_000] })) as string).length).to.equal(300_000);
    });

    it('is refused by Python when presenting a certificate from another CA', async () => {
      const rogue = new XmlRpcClient({ tls: pki.material(pki.rogue), port });
      try {
        const err = await rogue.call('localhost', { method: 'add', params: [1, 2] }).catch((e: unknown) => e);
        expect(err).to.be.instanceOf(ConnectionError);
      } finally {
        await rogue.close();
      }
      expect(await client.call('localhost', { method: 'add', params: [1, 2] })).to.equal(3);
    });
  });
});
