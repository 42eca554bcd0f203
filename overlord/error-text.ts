// How a remote failure reads in text output: "ERROR <type>: <message>" with func's wire noise removed
// (xmlrpclib.Fault, "Fault 1:", "<class 'func.minion.codes.X'>:"). --raw/--basic keep func's repr.

/** A failure's type and message for people: the remote class (from a Fault's text) and the message without wire wrappers. */
export function readableError(type: string, message: string): { type: string; message: string } {
  let t = type;
  let m = message.replace(/^Fault -?\d+: /, '');
  const cls = /^<(?:class|type) '([^']+)'>:?\s*/.exec(m);
  if (cls) {
    t = cls[1]!;
    m = m.slice(cls[0].length);
  } else if (t === 'xmlrpclib.Fault') {
    t = 'Fault';
  }
  return { type: t, message: m.trim() };
}
