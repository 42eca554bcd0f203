// Transport selection by name: factories register once, configuration names them; an unknown name is a
// ConfigError listing the known ones. Factories are values handed to the daemon and the overlord.
import { ConfigError } from '../common/errors.js';
import type { Schema } from '../common/config.js';
import type { TransportFactory } from './types.js';

const factories = new Map<string, TransportFactory>();

/** Registers a transport factory under its name (registering the same factory again is harmless). */
export function registerTransport(factory: TransportFactory): void {
  const existing = factories.get(factory.name);
  if (existing !== undefined && existing !== factory) {
    throw new ConfigError(`a different transport named '${factory.name}' is already registered`);
  }
  factories.set(factory.name, factory);
}

/** The factory registered under `name`; an unknown name throws ConfigError naming the known transports. */
export function getTransport(name: string): TransportFactory {
  const factory = factories.get(name);
  if (factory === undefined) {
    const known = transportNames();
    throw new ConfigError(`unknown transport '${name}'; known transports: ${known.length ? known.join(', ') : '(none)'}`);
  }
  return factory;
}

/** Names of the registered transports, sorted. */
export function transportNames(): string[] {
  return [...factories.keys()].sort();
}

/** Declares a factory with its settings types inferred (`export const amqpTransport = defineTransport({...})`). */
export function defineTransport<S extends Schema, C extends Schema>(factory: TransportFactory<S, C>): TransportFactory<S, C> {
  return factory;
}
