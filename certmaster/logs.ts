// certmaster's two log files under the root: /var/log/certmaster/certmaster.log (at log_level) and
// audit.log (signing, cleaning, revoking), written by the daemon and by certmaster-ca alike.
import path from 'node:path';
import { createLogger, type Logger } from '../common/log.js';
import { FuncPaths, rooted } from '../common/paths.js';

/** The operational log and the audit trail of a certmaster under `root`. */
export function certmasterLoggers(root: string, level: string): { log: Logger; audit: Logger } {
  const dir = rooted(FuncPaths.certmasterLogDir, root);
  return {
    log: createLogger({ file: path.join(dir, 'certmaster.log'), level }),
    audit: createLogger({ file: path.join(dir, 'audit.log'), level: 'INFO' }),
  };
}
