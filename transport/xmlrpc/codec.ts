// XML-RPC codec: strict decoding of methodCall/methodResponse documents (saxes, with size, depth and
// element limits) into WireValues, and encoding of calls, responses and faults in Python's layout.
import { isUtf8 } from 'node:buffer';
import { createRequire } from 'node:module';
import type { SaxesTagPlain } from 'saxes';
import { PayloadTooLargeError, ProtocolError } from '../../common/errors.js';
import { refuseLongMethodName } from '../../common/method-name.js';
import type { CallRequest, WireStruct, WireValue } from '../types.js';
import { decodeScalar, isScalarTag } from './scalars.js';

export { callPieces, encodeCall, encodeResponse, encodeFault, responsePieces, type EncodeOptions } from './encoder.js';

// saxes is CommonJS: loaded with require(), as importing CommonJS through the ESM loader costs a few MB of RSS
const { SaxesParser } = createRequire(import.meta.url)('saxes') as typeof import('saxes');

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
const CHILDREN: Record<string, ReadonlySet<string>> = Object.fromEntries(Object.entries({
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
}).map(([parent, children]) => [parent, new Set(children)]));
const TEXT_HOLDERS = new Set(['methodName', 'name', 'value']);
const BLANK = /^[ \t\r\n]*$/;

/** One open element while decoding. */
interface Frame {
  tag: string;
  /** whether the element may hold text (leaves and <value>); other elements allow whitespace only */
  holdsText: boolean;
  text: string;
  /** the element's result so far: a list (params, data), an object (struct) or a typed value */
  value: WireValue | undefined;
  /** methodName / member name */
  name: string | undefined;
  items: WireValue[] | undefined;
}

/** Merges partial limits over DEFAULT_LIMITS (complete limits are returned as they are). */
export function resolveLimits(limits?: Partial<CodecLimits>): CodecLimits {
  if (limits === undefined) return DEFAULT_LIMITS;
  if (limits.maxBytes !== undefined && limits.maxDepth !== undefined && limits.maxElements !== undefined) return limits as CodecLimits;
  return { ...DEFAULT_LIMITS, ...limits };
}

/**
 * Decodes a methodCall into {method, params}. Types: <int>/<i4> → number (beyond 32 bits: bigint), <i8> →
 * bigint, <double> → number (also inf/nan/exponents), <boolean> 0|1, <string> or untyped text → string,
 * <nil/> → null (Apache's <ex:nil/> is refused: strict XML-RPC only), <base64> → Buffer, <dateTime.iso8601>
 * → Date (UTC), <array> → array, <struct> → plain object ("__proto__" is an ordinary own key).
 * A DOCTYPE, entities other than the predefined five and character references, attributes, unknown
 * elements and misplaced text are refused. Throws ProtocolError, or PayloadTooLargeError for limits.
 */
export function decodeCall(xml: string | Uint8Array, limits?: Partial<CodecLimits>): CallRequest {
  const root = parseDocument(xml, resolveLimits(limits), 'methodCall');
  if (root.name === undefined) throw new ProtocolError('XML-RPC: <methodCall> has no <methodName>');
  refuseLongMethodName(root.name, 'XML-RPC: ');
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
  const bytes = Buffer.from(xml.buffer, xml.byteOffset, xml.length);
  const declared = declaredEncoding(bytes);
  if (declared && /^(iso-8859-1|latin-?1|l1)$/.test(declared)) return bytes.toString('latin1');
  if (declared && !/^(utf-?8|us-ascii|ascii)$/.test(declared)) throw new ProtocolError(`XML-RPC: unsupported document encoding '${declared}'`);
  if (!isUtf8(bytes)) throw new ProtocolError('XML-RPC: document is not valid UTF-8');
  return bytes.toString('utf8', hasUtf8Bom(bytes) ? 3 : 0);
}

const HEAD_BYTES = 200;

/** The encoding named by the XML declaration, lower-cased; undefined when there is none (most documents). */
function declaredEncoding(bytes: Buffer): string | undefined {
  if (bytes.lastIndexOf('encoding', HEAD_BYTES) < 0) return undefined; // searches the head only, backwards
  const head = bytes.toString('latin1', 0, HEAD_BYTES);
  return /^(?:\xEF\xBB\xBF)?<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(head)?.[1]?.toLowerCase();
}

function hasUtf8Bom(bytes: Buffer): boolean {
  return bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
}

/** Builds the frames of one document from parser events, enforcing structure, depth and element limits. */
class DocumentReader {
  private readonly stack: Frame[] = [];
  private root: Frame | undefined;
  private elements = 0;
  private depth = 0;

  constructor(private readonly limits: CodecLimits, private readonly rootTag: string, private readonly where: () => string) {}

  open(name: string): void {
    if (++this.elements > this.limits.maxElements) throw new PayloadTooLargeError(`XML-RPC: more than ${this.limits.maxElements} elements`);
    if (name === 'value' && ++this.depth > this.limits.maxDepth) {
      throw new PayloadTooLargeError(`XML-RPC: values nested deeper than ${this.limits.maxDepth} ${this.where()}`);
    }
    const parent = this.stack[this.stack.length - 1];
    if (parent === undefined) {
      if (name !== this.rootTag) throw new ProtocolError(`XML-RPC: expected <${this.rootTag}>, got <${name}>`);
    } else if (!CHILDREN[parent.tag]?.has(name)) {
      throw new ProtocolError(`XML-RPC: unexpected <${name}> inside <${parent.tag}> ${this.where()}`);
    }
    const holdsText = TEXT_HOLDERS.has(name) || isScalarTag(name);
    this.stack.push({ tag: name, holdsText, text: '', value: undefined, name: undefined, items: undefined });
  }

  text(t: string): void {
    const top = this.stack[this.stack.length - 1];
    if (top === undefined) return; // whitespace around the root: saxes itself rejects anything else
    if (top.holdsText) top.text += t;
    else if (!BLANK.test(t)) throw new ProtocolError(`XML-RPC: unexpected text '${clip(t)}' inside <${top.tag}> ${this.where()}`);
  }

  close(): void {
    const frame = this.stack.pop()!;
    if (frame.tag === 'value') this.depth--;
    const parent = this.stack[this.stack.length - 1];
    if (parent === undefined) this.root = frame;
    else closeFrame(frame, parent, this.where);
  }

  result(): Frame {
    if (this.root === undefined) throw new ProtocolError(`XML-RPC: no <${this.rootTag}> element`);
    return this.root;
  }
}

/**
 * A saxes parser with its listeners, kept between documents: building one per document costs more than
 * parsing a small call. saxes resets itself after close(); a parser stopped by an error is never reused.
 */
class DocumentParser {
  readonly parser = new SaxesParser<{ xmlns: false; position: true }>({ xmlns: false, position: true });
  reader: DocumentReader | null = null;
  readonly where = (): string => `(line ${this.parser.line}, column ${this.parser.column})`;

  constructor() {
    const p = this.parser;
    p.on('error', (err) => { throw new ProtocolError(`XML-RPC: malformed XML: ${err.message}`); });
    p.on('doctype', () => { throw new ProtocolError(`XML-RPC: a DOCTYPE is not allowed ${this.where()}`); });
    // (an 'opentagstart' listener to name the element here slows saxes down fourfold)
    p.on('attribute', (attr) => { throw new ProtocolError(`XML-RPC: unexpected attribute '${attr.name}' ${this.where()}`); });
    p.on('opentag', (tag: SaxesTagPlain) => this.reader!.open(tag.name));
    p.on('text', (t) => this.reader!.text(t));
    p.on('cdata', (t) => this.reader!.text(t));
    p.on('closetag', () => this.reader!.close());
  }
}

let idleParser: DocumentParser | null = null;

/** Parses a whole document; returns the root frame (items = params, value = fault, name = methodName). */
function parseDocument(xml: string | Uint8Array, limits: CodecLimits, rootTag: string): Frame {
  const text = documentText(xml, limits.maxBytes);
  const doc = idleParser ?? new DocumentParser();
  idleParser = null; // taken: a document that throws leaves it out of use
  const reader = new DocumentReader(limits, rootTag, doc.where);
  doc.reader = reader;
  doc.parser.write(text).close();
  doc.reader = null;
  idleParser = doc;
  return reader.result();
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
function setMember(obj: WireStruct, key: string, value: WireValue): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/** Shortens a text for an error message. */
function clip(s: string, max = 40): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}
