// A peer in another language written from docs/amqp-protocol.md: Debian's python3-pika (under /usr/bin/python3)
// sends a signed request to a real funcd over the broker and verifies the minion's signed replies.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot, stopAll } from '../../helpers/processes.js';
import { TEST_AMQP_URL } from '../../helpers/broker.js';
import { startAmqpFleet, type AmqpFleet } from './amqp-fleet.js';

const run = promisify(execFile);
const HOST = '127.0.1.21';

describe('transport/amqp peer in Python (pika) written from the protocol document', function () {
  this.timeout(40_000);
  let fleet: AmqpFleet;
  const peer = async (method: string, params: unknown[]): Promise<Record<string, unknown>> => {
    const args = [path.join(repoRoot, 'test/transport/amqp/py/peer.py'), TEST_AMQP_URL, fleet.prefix, HOST,
      path.join(fleet.ca.caDir, 'certmaster.key'), path.join(fleet.ca.caDir, 'certmaster.crt'), path.join(fleet.ca.caDir, 'certmaster.crt'), method, JSON.stringify(params)];
    const { stdout } = await run('/usr/bin/python3', args, { timeout: 30_000 });
    return JSON.parse(stdout) as Record<string, unknown>;
  };

  before(async () => { fleet = await startAmqpFleet([HOST]); });
  after(async () => { await fleet?.close(); await stopAll(); });

  it('gets a verified, minion-signed response', async () => {
    expect(await peer('test.add', [40, 2])).to.deep.equal({ progress: [], signer: HOST, kind: 'response', value: 42 });
  });

  it('reads tagged wire values and progress as the document describes them', async () => {
    expect((await peer('test.bigint', [])).value).to.deep.equal({ $wire: 'bigint', v: '4294967296' });
    const r = await peer('test.progress', [2, 10]);
    expect(r.progress).to.deep.equal([{ current: 1, total: 2 }, { current: 2, total: 2 }]);
    expect(r.value).to.equal(2);
  });

  it('gets a signed command-complete for an unknown method', async () => {
    const r = await peer('test.nosuch', []);
    expect(r.kind).to.equal('command-complete');
    expect(r.error).to.include({ type: 'func.minion.codes.InvalidMethodException', code: 'FUNC_ERR_METHOD_NOT_FOUND' });
  });
});
