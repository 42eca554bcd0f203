// The CLI's own error: a command line it cannot run (bad option value, unknown option). func exits 2 on it.
import { ErrorCodes, FuncError } from '../../common/errors.js';

/** A usage error: one line naming the option and what was wrong; exit status 2. */
export class UsageError extends FuncError {
  constructor(message: string, options?: ErrorOptions) { super(ErrorCodes.CONFIG, message, options); }
}
