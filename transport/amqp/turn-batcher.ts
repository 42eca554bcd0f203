// How both ends of func over AMQP batch (docs/amqp-protocol.md §4.1): items added during one turn of the event
// loop are handed over at its end, per key (a host, a reply id), in chunks of at most `maxItems` items and
// `maxBytes` bytes; an item that alone is near the byte limit goes in a chunk of its own.
import { BATCH_HEAD_BYTES } from './envelope.js';

export interface BatchLimits { maxItems: number; maxBytes: number }

export class TurnBatcher<T extends { bytes: number }> {
  private queued = new Map<string, T[]>();
  private scheduled = false;

  constructor(private readonly limits: BatchLimits, private readonly send: (key: string, chunk: T[]) => void) {}

  add(key: string, item: T): void {
    const list = this.queued.get(key);
    if (list) list.push(item);
    else this.queued.set(key, [item]);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.scheduled = false;
    const queued = this.queued;
    this.queued = new Map();
    const { maxItems, maxBytes } = this.limits;
    for (const [key, items] of queued) {
      let chunk: T[] = [];
      let bytes = BATCH_HEAD_BYTES;
      for (const item of items) {
        if (chunk.length > 0 && (chunk.length >= maxItems || bytes + item.bytes + 1 > maxBytes)) {
          this.send(key, chunk);
          chunk = [];
          bytes = BATCH_HEAD_BYTES;
        }
        chunk.push(item);
        bytes += item.bytes + 1;
      }
      this.send(key, chunk);
    }
  }
}
