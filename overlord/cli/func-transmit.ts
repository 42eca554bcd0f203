// `func-transmit [-j|--json] [-y|--yaml] < request > response` (func-compat.md §5.4): one request per process,
// read from stdin, answered on stdout in func's shapes (host → value, a job id, a [code, data] pair).
// --yaml reads and writes YAML with js-yaml (a dependency, loaded only for --yaml).
import yargs from 'yargs';
import { FuncError, InvalidArgumentsError } from '../../common/errors.js';
import type { WireValue } from '../../transport/types.js';
import { JobCodes } from '../job-store.js';
import { resultsToFuncStruct, toJsonValue, type JsonValue } from '../output.js';
import { Overlord } from '../overlord.js';

/** The request document's fields (all optional). */
export interface TransmitRequest {
  clients?: string | string[];
  module?: string;
  method?: string;
  parameters?: unknown;
  async?: unknown;
  nforks?: number;
}

/** func's smart_bool: "false", "f", "n", "0", "" (any case) and false-y values are false. */
export function smartBool(v: unknown): boolean {
  if (typeof v === 'string') return !['false', 'f', 'n', 'no', '0', ''].includes(v.trim().toLowerCase());
  return Boolean(v);
}

function clientError(message: string): { code: number; response: JsonValue } {
  return { code: 1, response: { error: 1, name: 'Func Client Exception', message, info: {} } };
}

async function overlordMethod(o: Overlord, method: string, params: WireValue[]): Promise<JsonValue> {
  if (method === 'list_minions') return o.listMinions();
  if (method !== 'job_status') throw new InvalidArgumentsError(`unknown overlord method "${method}" (known: list_minions, job_status)`);
  const [code, data] = await o.jobStatus(String(params[0] ?? ''));
  if (code === JobCodes.FINISHED || code === JobCodes.PARTIAL) return [code, toJsonValue(resultsToFuncStruct(data))];
  return [code, data];
}

/** Answers one request; never throws for request errors (they become func's error object and exit status 1). */
export async function transmit(req: TransmitRequest, root?: string): Promise<{ code: number; response: JsonValue }> {
  const spec = Array.isArray(req.clients) ? req.clients.join(';') : (req.clients ?? '*');
  const method = req.method ?? 'unknown';
  const raw = req.parameters;
  const params = (raw === undefined || raw === null ? [] : Array.isArray(raw) ? raw : [raw]) as WireValue[];
  const o = new Overlord(spec, { root, ...(typeof req.nforks === 'number' ? { concurrency: req.nforks } : {}) });
  try {
    if (!req.module) return { code: 0, response: await overlordMethod(o, method, params) };
    if (req.module === 'local' && method === 'utils.list_minions') {
      const port = (await o.transportSettings()).listen_port ?? 51234;
      return { code: 0, response: (await o.listMinions()).map((h) => `https://${h}:${port}`) };
    }
    if (smartBool(req.async)) return { code: 0, response: await o.callAsync(req.module, method, ...params) };
    return { code: 0, response: toJsonValue(resultsToFuncStruct(await o.call(req.module, method, ...params))) };
  } catch (err) {
    if (err instanceof FuncError) return clientError(err.message);
    throw err;
  } finally {
    await o.close();
  }
}

type YamlLib = typeof import('js-yaml');

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Entry point of bin/func-transmit; sets process.exitCode. */
export async function main(argv: string[]): Promise<void> {
  const opts = await yargs(argv).scriptName('func-transmit').usage('$0 [--json|--yaml] < request > response')
    .option('json', { alias: 'j', type: 'boolean', describe: 'request and response in JSON (the default)' })
    .option('yaml', { alias: 'y', type: 'boolean', describe: 'request and response in YAML' })
    .version(false).help().strict().parseAsync();
  const text = await readStdin();
  let result: { code: number; response: JsonValue };
  const yaml: YamlLib | null = opts.yaml ? await import('js-yaml') : null;
  try {
    const req = (yaml ? yaml.load(text) : JSON.parse(text || '{}')) as TransmitRequest;
    result = await transmit(req ?? {});
  } catch (err) {
    if (!(err instanceof FuncError || err instanceof SyntaxError || (yaml !== null && err instanceof yaml.YAMLException))) throw err;
    result = clientError(`cannot read the request: ${err.message}`);
  }
  process.stdout.write(yaml ? yaml.dump(result.response) : `${JSON.stringify(result.response)}\n`);
  process.exitCode = result.code;
}
