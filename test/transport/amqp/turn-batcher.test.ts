// transport/amqp/turn-batcher and broadcastGroups: what is added in one turn of the event loop is handed over once
// at its end, per key, in chunks bounded by item count and bytes (a later turn, a later hand-over); a broadcast is
// split so no BCC header outgrows amqplib's properties buffer.
import { expect } from 'chai';
import { BATCH_HEAD_BYTES } from '../../../transport/amqp/envelope.js';
import { broadcastGroups } from '../../../transport/amqp/client.js';
import { TurnBatcher } from '../../../transport/amqp/turn-batcher.js';

interface Item { n: number; bytes: number }
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('transport/amqp/turn-batcher', () => {
  it('hands over each key\'s items of one turn together, in the order added, after the turn', async () => {
    const sent: Array<[string, number[]]> = [];
    const b = new TurnBatcher<Item>({ maxItems: 100, maxBytes: 1 << 20 }, (key, chunk) => sent.push([key, chunk.map((i) => i.n)]));
    for (let n = 0; n < 5; n++) b.add(n % 2 ? 'odd' : 'even', { n, bytes: 10 });
    expect(sent).to.deep.equal([]);
    await turn();
    expect(sent).to.deep.equal([['even', [0, 2, 4]], ['odd', [1, 3]]]);
    b.add('even', { n: 6, bytes: 10 });
    await turn();
    expect(sent.at(-1)).to.deep.equal(['even', [6]]);
  });

  it('cuts chunks at maxItems and before maxBytes, and sends an item alone when it nearly fills a message', async () => {
    const sent: number[][] = [];
    const b = new TurnBatcher<Item>({ maxItems: 3, maxBytes: BATCH_HEAD_BYTES + 100 }, (_k, chunk) => sent.push(chunk.map((i) => i.n)));
    for (let n = 0; n < 7; n++) b.add('h', { n, bytes: 10 });
    b.add('h', { n: 7, bytes: 95 });
    b.add('h', { n: 8, bytes: 10 });
    await turn();
    expect(sent).to.deep.equal([[0, 1, 2], [3, 4, 5], [6], [7], [8]]);
  });
});

describe('transport/amqp broadcastGroups', () => {
  it('splits a broadcast so each message\'s BCC header stays under the byte budget, keeping every host once', () => {
    const hosts = Array.from({ length: 3000 }, (_, i) => `builder-${String(i).padStart(4, '0')}.example.com`);
    const groups = broadcastGroups(hosts);
    expect(groups.flat()).to.deep.equal(hosts);
    expect(groups.length).to.be.above(1);
    for (const g of groups) expect(g.reduce((a, h) => a + 5 + h.length, 0)).to.be.at.most(48 * 1024);
    expect(broadcastGroups(['a', 'b'])).to.deep.equal([['a', 'b']]);
  });
});
