// A queue of per-host events pushed by callbacks and read as an async iterable: what a many-host call (fan-out,
// a transport's callMany) yields, in arrival order, until every host has given its one result.
import type { HostEvent } from './types.js';

export class HostEventQueue {
  private pending: HostEvent[] = [];
  private wake: (() => void) | null = null;

  /** Adds an event and wakes the reader. */
  readonly push = (event: HostEvent): void => {
    this.pending.push(event);
    this.wake?.();
  };

  /** Yields the events as they arrive, ending after `expectedResults` events of kind 'result'. */
  async *drain(expectedResults: number): AsyncGenerator<HostEvent, void, undefined> {
    for (let results = 0; results < expectedResults;) {
      if (this.pending.length === 0) await new Promise<void>((resolve) => { this.wake = resolve; });
      this.wake = null;
      const batch = this.pending;
      this.pending = [];
      for (const e of batch) {
        if (e.kind === 'result') results++;
        yield e;
      }
    }
  }
}
