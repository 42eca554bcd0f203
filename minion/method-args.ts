// Renders a module's argument declarations in the shape of func's get_method_args (func-compat §1.6):
// { method: { args: { name: { type, optional, description, default?, limits?, order } }, description } }.
import type { ArgSpec, ModuleDefinition } from './module-api.js';
import type { WireStruct, WireValue } from '../transport/types.js';

/** One argument as get_method_args shows it; variadic arguments get func's type "list*". */
export function describeArg(spec: ArgSpec, order: number): WireStruct {
  const out: WireStruct = {
    type: spec.variadic ? 'list*' : spec.type,
    optional: spec.optional,
    description: spec.description,
  };
  if (spec.default !== undefined) out.default = spec.default;
  if (spec.options !== undefined) out.options = [...spec.options] as WireValue[];
  if (spec.min !== undefined) out.min = spec.min;
  if (spec.max !== undefined) out.max = spec.max;
  if (spec.minLength !== undefined) out.min_length = spec.minLength;
  if (spec.maxLength !== undefined) out.max_length = spec.maxLength;
  out.order = order;
  return out;
}

/** get_method_args for one module: its own methods only (func leaves the built-ins out); {} when none. */
export function describeMethods(def: ModuleDefinition): WireStruct {
  const out: WireStruct = {};
  for (const [name, m] of Object.entries(def.methods)) {
    const args: WireStruct = {};
    (m.args as readonly ArgSpec[]).forEach((spec, i) => { args[spec.name] = describeArg(spec, i); });
    out[name] = { args, description: m.description };
  }
  return out;
}
