// An XML-RPC Fault received from a peer: a RemoteError whose remote type is func's "xmlrpclib.Fault", with our code
// when the fault names one of func's exceptions ("<class 'func.minion.codes.AccessToMethodDenied'>:").
import { RemoteError } from '../../common/errors.js';
import { codeOfRemoteType } from '../../common/remote-failure.js';

/** A Fault answer: remoteType "xmlrpclib.Fault", message "Fault ‹code›: ‹text›", no trace. */
export class FaultError extends RemoteError {
  constructor(readonly faultCode: number, readonly faultString: string) {
    const named = /^<(?:class|type) '([^']+)'>:/.exec(faultString)?.[1];
    super('xmlrpclib.Fault', `Fault ${faultCode}: ${faultString}`, '', named === undefined ? undefined : codeOfRemoteType(named));
  }
}
