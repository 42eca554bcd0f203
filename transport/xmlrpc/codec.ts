// XML-RPC codec: strict decoding of methodCall/methodResponse documents (saxes, with size, depth and
// element limits) into WireValues, and encoding of calls, responses and faults in Python's layout.
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { PayloadTooLargeError, ProtocolError } from '../../common/errors.js';
import type { CallRequest, WireStruct, WireValue } from '../types.js';
import { decodeScalar, isScalarTag } from './scalars.js';

export { encodeCall, encodeResponse, encodeFault, type EncodeOptions } from './encoder.js';

/** Hard limits applied while decoding; breaking one gives PayloadTooLargeError. */
export interface CodecLimits {
  /** document size in bytes */
  maxBytes: number;
  /** nesting depth of <value> elements (a top-level param is depth 1) */
  maxDepth: number;
  /** number of elements in the document */
  maxElements: number;
}

/** 16 MiB, value depth 64, one million elements. */
export const DEFAULT_LIMITS: Readonly<CodecLimits> = Object.freeze({
  maxBytes: 16 * 1024 * 1024,
  maxDepth: 64,
  maxElements: 1_000_000,
});

/** A decoded methodResponse: a value, or a fault. */
export type DecodedResponse =
  | { ok: true; value: WireValue }
  | { ok: false; faultCode: number; faultString: string };

// which elements may appear directly inside which; a leaf (scalar, name, methodName) has no children
const CHILDREN: Record<string, readonly string[]> = {
  methodCall: ['methodName', 'params'],
  methodResponse: ['params', 'fault'],
  params: ['param'],
  param: ['value'],
  fault: ['value'],
  value: ['int', 'i4', 'i8', 'boolean', 'string', 'double', 'dateTime.iso8601', 'base64', 'nil', 'array', 'struct'],
  array: ['data'],
  data: ['value'],
  struct: ['member'],
  member: ['name', 'value'],
};
const TEXT_HOLDERS = new Set(['methodName', 'name', 'value']);
const BLANK = /^[ \t\r\n]*$/;

/** One open element while decoding. */
interface Frame {
  tag: string;
  text: string;
  /** the element's result so far: a list (params, data), an object (struct) or a typed value */
  value: WireValue | undefined;
  /** methodName / member name */
  name: string | undefined;
  items: WireValue[] | undefined;
}

/** Merges partial limits over DEFAULT_LIMITS. */
export function resolveLimits(limits?: Partial<CodecLimits>): CodecLimits {
  return { ...DEFAULT_LIMITS, ...limits };
}

/** Decodes a methodCall into {method, params}. Throws ProtocolError or PayloadTooLargeError. */
export function decodeCall(xml: string | Uint8Array, limits?: Partial<CodecLimits>): CallRequest {
  const root = parseDocument(xml, resolveLimits(limits), 'methodCall');
  if (root.name === undefined) throw new ProtocolError('XML-RPC: <methodCall> has no <methodName>');
  return { method: root.name, params: root.items ?? [] };
}

/** Decodes a methodResponse into its value or its fault. Throws ProtocolError or PayloadTooLargeError. */
export function decodeResponse(xml: string | Uint8Array, limits?: Partial<CodecLimits>): DecodedResponse {
  const root = parseDocument(xml, resolveLimits(limits), 'methodResponse');
  if (root.items) {
    if (root.items.length !== 1) {
      throw new ProtocolError(`XML-RPC: <methodResponse> must hold exactly one <param>, found ${root.items.length}`);
    }
    return { ok: true, value: root.items[0]! };
  }
  const fault = root.value;
  if (fault === undefined) throw new ProtocolError('XML-RPC: <methodResponse> holds neither <params> nor <fault>');
  const s = fault as WireStruct;
  if (typeof s.faultCode !== 'number' || typeof s.faultString !== 'string') {
    throw new ProtocolError('XML-RPC: <fault> must be a struct with an int faultCode and a string faultString');
  }
  return { ok: false, faultCode: s.faultCode, faultString: s.faultString };
}

/** Turns bytes into text: UTF-8 (validated) unless the XML declaration names Latin-1 or ASCII. */
function documentText(xml: string | Uint8Array, maxBytes: number): string {
  if (typeof xml === 'string') {
    if (xml.length > maxBytes || (xml.length * 3 > maxBytes && Buffer.byteLength(xml) > maxBytes)) {
      throw new PayloadTooLargeError(`XML-RPC: document exceeds the limit of ${maxBytes} bytes`);
    }
    return xml;
  }
  if (xml.length > maxBytes) throw new PayloadTooLargeError(`XML-RPC: document of ${xml.length} bytes exceeds the limit of ${maxBytes} bytes`);
  const head = Buffer.from(xml.buffer, xml.byteOffset, Math.min(xml.length, 200)).toString('latin1');
  const declared = /^(?:\xEF\xBB\xBF)?<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(head)?.[1]?.toLowerCase();
  if (declared && /^(iso-8859-1|latin-?1|l1)$/.test(declared)) return Buffer.from(xml.buffer, xml.byteOffset, xml.length).toString('latin1');
  if (declared && !/^(utf-?8|us-ascii|ascii)$/.test(declared)) throw new ProtocolError(`XML-RPC: unsupported document encoding '${declared}'`);
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(xml);
  } catch {
    throw new ProtocolError('XML-RPC: document is not valid UTF-8');
  }
}

/** Parses a whole document; returns the root frame (items = params, value = fault, name = methodName). */
function parseDocument(xml: string | Uint8Array, limits: CodecLimits, rootTag: string): Frame {
  const text = documentText(xml, limits.maxBytes);
  const parser = new SaxesParser<{ xmlns: false; position: true }>({ xmlns: false, position: true });
  const where = () => `(line ${parser.line}, column ${parser.column})`;
  const stack: Frame[] = [];
  let root: Frame | undefined;
  let elements = 0;
  let depth = 0;
  parser.on('error', (err) => { throw new ProtocolError(`XML-RPC: malformed XML: ${err.message}`); });
  parser.on('doctype', () => { throw new ProtocolError(`XML-RPC: a DOCTYPE is not allowed ${where()}`); });
  parser.on('opentag', (tag: SaxesTagPlain) => {
    if (++elements > limits.maxElements) throw new PayloadTooLargeError(`XML-RPC: more than ${limits.maxElements} elements`);
    if (tag.name === 'value' && ++depth > limits.maxDepth) {
      throw new PayloadTooLargeError(`XML-RPC: values nested deeper than ${limits.maxDepth} ${where()}`);
    }
    const parent = stack[stack.length - 1];
    if (parent === undefined) {
      if (tag.name !== rootTag) throw new ProtocolError(`XML-RPC: expected <${rootTag}>, got <${tag.name}>`);
    } else if (!CHILDREN[parent.tag]?.includes(tag.name)) {
      throw new ProtocolError(`XML-RPC: unexpected <${tag.name}> inside <${parent.tag}> ${where()}`);
    }
    for (const attr in tag.attributes) throw new ProtocolError(`XML-RPC: unexpected attribute '${attr}' on <${tag.name}> ${where()}`);
    stack.push({ tag: tag.name, text: '', value: undefined, name: undefined, items: undefined });
  });
  const onText = (t: string) => {
    const top = stack[stack.length - 1];
    if (top === undefined) return; // whitespace around the root: saxes itself rejects anything else
    if (TEXT_HOLDERS.has(top.tag) || isScalarTag(top.tag)) top.text += t;
    else if (!BLANK.test(t)) throw new ProtocolError(`XML-RPC: unexpected text '${clip(t)}' inside <${top.tag}> ${where()}`);
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', () => {
    const frame = stack.pop()!;
    if (frame.tag === 'value') depth--;
    const parent = stack[stack.length - 1];
    if (parent === undefined) root = frame;
    else closeFrame(frame, parent, where);
  });
  parser.write(text).close();
  if (root === undefined) throw new ProtocolError(`XML-RPC: no <${rootTag}> element`);
  return root;
}

/** Hands a finished element's result to its parent, checking the XML-RPC structure rules. */
function closeFrame(frame: Frame, parent: Frame, where: () => string): void {
  const fail = (what: string): never => { throw new ProtocolError(`XML-RPC: ${what} ${where()}`); };
  switch (frame.tag) {
    case 'methodName':
      if (parent.name !== undefined) fail('more than one <methodName>');
      if (frame.text.trim() === '') fail('empty <methodName>');
      parent.name = frame.text.trim();
      return;
    case 'name':
      if (parent.name !== undefined || parent.value !== undefined) fail('misplaced <name> in <member>');
      parent.name = frame.text;
      return;
    case 'value': return closeValue(frame, parent, fail);
    case 'param':
      if (frame.value === undefined) fail('<param> without a <value>');
      (parent.items ??= []).push(frame.value!);
      return;
    case 'params': case 'data':
      if (parent.items !== undefined || parent.value !== undefined) fail(`more than one <${frame.tag}>`);
      if (frame.tag === 'data') parent.value = frame.items ?? [];
      else parent.items = frame.items ?? [];
      return;
    case 'array':
      if (frame.value === undefined) fail('<array> without <data>');
      return setTyped(parent, frame.value!, fail);
    case 'struct': return setTyped(parent, (frame.value as WireValue | undefined) ?? {}, fail);
    case 'member': return closeMember(frame, parent, fail);
    case 'fault':
      if (parent.items !== undefined || parent.value !== undefined) fail('<fault> next to <params>');
      if (frame.value === undefined) fail('<fault> without a <value>');
      parent.value = frame.value;
      return;
    default: {
      let v: WireValue = null;
      try { v = decodeScalar(frame.tag, frame.text); } catch (err) { fail((err as Error).message); }
      setTyped(parent, v, fail);
    }
  }
}

function setTyped(valueFrame: Frame, v: WireValue, fail: (what: string) => never): void {
  if (valueFrame.value !== undefined) fail('more than one type inside <value>');
  valueFrame.value = v;
}

function closeValue(frame: Frame, parent: Frame, fail: (what: string) => never): void {
  let v = frame.value;
  if (v === undefined) v = frame.text; // untyped <value>text</value> is a string
  else if (!BLANK.test(frame.text)) fail(`text '${clip(frame.text)}' next to a typed value`);
  if (parent.tag === 'data') (parent.items ??= []).push(v);
  else if (parent.tag === 'member') {
    if (parent.name === undefined || parent.value !== undefined) fail('<member> needs one <name> followed by one <value>');
    parent.value = v;
  } else {
    if (parent.value !== undefined) fail(`more than one <value> inside <${parent.tag}>`);
    parent.value = v;
  }
}

function closeMember(frame: Frame, struct: Frame, fail: (what: string) => never): void {
  if (frame.name === undefined || frame.value === undefined) fail('<member> needs one <name> followed by one <value>');
  const obj = (struct.value ??= {}) as WireStruct;
  setMember(obj, frame.name!, frame.value!);
}

/** Sets a struct member; "__proto__" becomes an ordinary own key and never touches the prototype. */
export function setMember(obj: WireStruct, key: string, value: WireValue): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/** Shortens a text for an error message. */
export function clip(s: string, max = 40): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}
