// Running one decoded call on the XML-RPC server's handler: a synchronous throw becomes a rejection, and with a
// call timeout the handler gets its own signal, aborted by the connection's or at the deadline (TimeoutError).
import { TimeoutError } from '../../common/errors.js';
import type { CallContext, CallHandler, CallRequest, WireValue } from '../types.js';

/** Runs the handler; a synchronous throw becomes a rejection. */
function invoke(handler: CallHandler, request: CallRequest, ctx: CallContext): Promise<WireValue> {
  try {
    return Promise.resolve(handler(request, ctx));
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * Runs the handler with the connection's context; with `ms` > 0 it gets its own signal (aborted by the
 * connection's, or at the deadline) and a call still running after `ms` is answered with a TimeoutError.
 */
export function runCall(handler: CallHandler, request: CallRequest, conn: CallContext, ms: number): Promise<WireValue> {
  if (!(ms > 0)) return invoke(handler, request, conn);
  const call = new AbortController();
  const connection = conn.signal;
  const onClose = (): void => call.abort(connection.reason);
  if (connection.aborted) onClose(); else connection.addEventListener('abort', onClose, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new TimeoutError(`call to ${request.method} did not finish within ${ms} ms`);
      call.abort(err);
      reject(err);
    }, ms);
  });
  const run = invoke(handler, request, { peer: conn.peer, signal: call.signal });
  return Promise.race([run, deadline]).finally(() => {
    clearTimeout(timer);
    connection.removeEventListener('abort', onClose);
  });
}
