// func's exit statuses: one table used by the CLI, its man page and the README.

/** What `func` exits with. */
export const ExitStatus = {
  /** every host answered, and no answer was a failure */
  OK: 0,
  /** the target matched no host (func's "Can't find any minions matching …"), or a job is unknown */
  NO_MATCH: 1,
  /** a usage or configuration error: nothing was called */
  USAGE: 2,
  /** some host returned an error (a remote exception, or `command run` with a non-zero return code) */
  HOST_ERROR: 3,
  /** some host was unreachable or timed out (wins over HOST_ERROR) */
  HOST_UNREACHABLE: 4,
  /** interrupted (Ctrl-C); a job started by the call keeps running and its id is printed */
  INTERRUPTED: 130,
} as const;

/** The table as documentation: status and meaning. */
export const EXIT_STATUS_TABLE: ReadonlyArray<readonly [number, string]> = [
  [ExitStatus.OK, 'every host answered and nothing failed'],
  [ExitStatus.NO_MATCH, 'the target matched no host ("Can\'t find any minions matching …"), as in func; also an unknown job id'],
  [ExitStatus.USAGE, 'usage or configuration error (unknown option, bad value, missing or unreadable file); nothing was called'],
  [ExitStatus.HOST_ERROR, 'some host returned an error (a remote exception, or `command run` with a non-zero return code)'],
  [ExitStatus.HOST_UNREACHABLE, 'some host was unreachable or timed out (takes precedence over 3)'],
  [ExitStatus.INTERRUPTED, 'interrupted (Ctrl-C); a job the call started keeps running, and its id and the commands to follow or cancel it are printed'],
];
