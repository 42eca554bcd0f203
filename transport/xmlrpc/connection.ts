// One connection of the XML-RPC server, as the CallContext of every call it carries: the caller's identity,
// worked out once per connection, and an abort signal that is only built if a handler asks for it.
import { ConnectionError } from '../../common/errors.js';
import type { CallContext, PeerIdentity } from '../types.js';

/**
 * The context shared by the calls of one connection. `signal` aborts (with a ConnectionError) when the connection
 * closes or the server stops; an AbortController costs several µs, so it is made on first use only.
 */
export class ConnectionContext implements CallContext {
  private controller: AbortController | null = null;
  private why: string | null = null;

  constructor(readonly peer: PeerIdentity) {}

  get signal(): AbortSignal {
    if (this.controller === null) {
      this.controller = new AbortController();
      if (this.why !== null) this.controller.abort(new ConnectionError(this.why));
    }
    return this.controller.signal;
  }

  /** Aborts the signal (now, or as it is made) with ConnectionError(why); only the first reason counts. */
  abort(why: string): void {
    if (this.why !== null) return;
    this.why = why;
    this.controller?.abort(new ConnectionError(why));
  }
}
