// Reads mock.build's `options` hash into typed values: chroot, resultdir, timeout, define and backend, each
// checked, with unknown keys refused by name.
import { InvalidArgumentsError, type WireStruct } from '../../minion/module-api.js';
import { BACKENDS, type BackendChoice } from './backends.js';

/** mock.build's options after checking. */
export interface BuildOptions {
  chroot: string;
  resultdir: string | null;
  /** seconds; 0 = none */
  timeout: number;
  define: Array<[string, string]>;
  backend: BackendChoice;
}

const KEYS = ['chroot', 'resultdir', 'timeout', 'define', 'backend'] as const;
const CHROOT = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/;
const MACRO = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

function bad(key: string, expected: string, got: unknown): never {
  const shown = typeof got === 'string' ? JSON.stringify(got) : got === null ? 'nil' : typeof got === 'object' ? JSON.stringify(got) : String(got);
  throw new InvalidArgumentsError(`mock.build: options.${key} must be ${expected}, got ${shown}`,
    [{ name: `options.${key}`, expected, got: shown }]);
}

function readDefine(v: unknown): Array<[string, string]> {
  if (v === undefined || v === null) return [];
  if (typeof v !== 'object' || Array.isArray(v) || v instanceof Uint8Array) bad('define', 'a hash of macro name → value', v);
  return Object.entries(v as WireStruct).map(([name, value]) => {
    if (!MACRO.test(name)) bad('define', 'macro names of letters, digits and _ (not starting with a digit)', name);
    const text = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean' ? String(value) : null;
    if (text === null || /[\n\r\0]/.test(text)) bad(`define.${name}`, 'a one-line string or a number', value);
    return [name, text] as [string, string];
  });
}

/** Checks the options hash of mock.build. */
export function readBuildOptions(options: WireStruct, defaultChroot: string): BuildOptions {
  for (const key of Object.keys(options)) {
    if (!(KEYS as readonly string[]).includes(key)) bad(key, `one of the known options (${KEYS.join(', ')})`, key);
  }
  const { chroot = defaultChroot, resultdir = null, timeout = 0, backend = 'auto' } = options;
  if (typeof chroot !== 'string' || !CHROOT.test(chroot)) bad('chroot', 'a mock config name (letters, digits, ".", "_", "+", "-")', chroot);
  if (resultdir !== null && typeof resultdir !== 'string') bad('resultdir', 'an absolute path', resultdir);
  const seconds = typeof timeout === 'string' && /^\d+(\.\d+)?$/.test(timeout) ? Number(timeout) : timeout;
  if (typeof seconds !== 'number' || !(seconds >= 0) || !Number.isFinite(seconds)) bad('timeout', 'a number of seconds ≥ 0 (0 = none)', timeout);
  if (typeof backend !== 'string' || !(BACKENDS as readonly string[]).includes(backend)) bad('backend', `one of ${BACKENDS.join(', ')}`, backend);
  return {
    chroot, resultdir: resultdir as string | null, timeout: seconds, define: readDefine(options.define), backend: backend as BackendChoice,
  };
}
