// Renderers of call results: --json (one jq-parseable document), func's --basic/--raw (Python repr),
// --xmlrpc (xmlrpclib.dumps((data, ""))) and the default text; plus func's REMOTE_ERROR-list form of failures.
import type { WireStruct, WireValue } from '../transport/types.js';
import { encodeCall } from '../transport/xmlrpc/encoder.js';
import type { CallResults, HostOutcome } from './outcome.js';
import { pyRepr } from '../transport/python-repr.js';
import { renderHostText } from './text-render.js';

/** Output formats of `func … call`. */
export const OUTPUT_FORMATS = ['text', 'json', 'raw', 'basic', 'xmlrpc'] as const;
/** One of OUTPUT_FORMATS. */
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** A JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A wire value as plain JSON: bigint → number when safe else string; bytes → base64; Date → ISO string. */
export function toJsonValue(v: WireValue): JsonValue {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(toJsonValue);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJsonValue(x)]));
  return v;
}

/**
 * One host in --json output: an ok value as itself; a failure as
 * `{"error": {"status": "error"|"timeout"|"unreachable", "type", "message", "trace"}}`.
 */
export function outcomeToJson(o: HostOutcome): JsonValue {
  switch (o.status) {
    case 'ok': return toJsonValue(o.value);
    case 'error': return { error: { status: 'error', type: o.type, message: o.message, trace: o.trace } };
    case 'timeout': return { error: { status: 'timeout', type: 'TimeoutError', message: o.message, trace: '' } };
    case 'unreachable': return { error: { status: 'unreachable', type: o.cause.name, message: o.message, trace: '' } };
  }
}

/** func's value for a host: the value, or the 4-item REMOTE_ERROR list func's overlord would have made. */
export function outcomeToFuncValue(o: HostOutcome): WireValue {
  switch (o.status) {
    case 'ok': return o.value;
    case 'error': return ['REMOTE_ERROR', o.type, o.message, o.trace];
    case 'timeout': return ['REMOTE_ERROR', 'socket.timeout', o.message, ''];
    case 'unreachable': return ['REMOTE_ERROR', 'socket.error', o.message, ''];
  }
}

/** host → func value, as a struct (host order kept). */
export function resultsToFuncStruct(results: CallResults): WireStruct {
  return Object.fromEntries([...results].map(([h, o]) => [h, outcomeToFuncValue(o)]));
}

/** The --json document for a whole call. */
export function renderJson(results: CallResults): string {
  return `${JSON.stringify(Object.fromEntries([...results].map(([h, o]) => [h, outcomeToJson(o)])))}\n`;
}

/** xmlrpclib.dumps((data, "")): a <params> document holding the data and an empty string. */
export function renderXmlrpc(data: WireValue): string {
  const doc = encodeCall('dumps', [data, '']);
  return doc.slice(doc.indexOf('<params>'), doc.lastIndexOf('</methodCall>'));
}

/** The whole results in one of the buffered formats (every format but the streamed text). */
export function renderResults(results: CallResults, format: OutputFormat, verbose = false): string {
  switch (format) {
    case 'json': return renderJson(results);
    case 'basic':
    case 'raw': return `${pyRepr(resultsToFuncStruct(results))}\n`;
    case 'xmlrpc': return renderXmlrpc(resultsToFuncStruct(results));
    case 'text': return [...results].map(([h, o]) => renderHostText(h, o, verbose)).join('');
  }
}

export { renderHostText as renderText } from './text-render.js';
