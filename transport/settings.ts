// Reads a transport's own settings from the [main] section of minion.conf / overlord.conf with the schema the
// transport declares (TransportFactory.settings), so neither the daemon nor the overlord names a transport key.
import { applySection, type ConfigOf, type RawSection, type Schema } from '../common/config.js';
import type { TransportFactory } from './types.js';

/** The server settings of `factory`, typed and defaulted, from minion.conf [main]; a bad value throws ConfigError. */
export function minionSettings<S extends Schema, C extends Schema>(factory: TransportFactory<S, C>, raw: RawSection): ConfigOf<S> {
  return applySection(factory.settings.minion, raw);
}

/** The client settings of `factory`, typed and defaulted, from overlord.conf [main]; a bad value throws ConfigError. */
export function overlordSettings<S extends Schema, C extends Schema>(factory: TransportFactory<S, C>, raw: RawSection): ConfigOf<C> {
  return applySection(factory.settings.overlord, raw);
}
