// What the CLI prints when it stops following a job it started (Ctrl-C, --timeout): the job id and the exact
// commands to see its status and to cancel it, quoted for a POSIX shell.

/** A word quoted for sh/bash/zsh: left bare when it is safe, else in single quotes. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The lines naming the job and how to follow it up; `configFile` (the run's -c) is repeated in both commands. */
export function jobHints(id: string, target: string, why: string, configFile?: string): string {
  const t = (configFile ? `-c ${shellQuote(configFile)} ` : '') + shellQuote(target);
  const j = shellQuote(id);
  return `${why}; job ${id} keeps running on the minions.\n`
    + `  status: func ${t} call --jobstatus ${j}\n`
    + `  cancel: func ${t} call --cancel ${j}\n`;
}
