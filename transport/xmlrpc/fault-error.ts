// An XML-RPC Fault received from a peer: a RemoteError whose remote type is func's "xmlrpclib.Fault".
import { RemoteError } from '../../common/errors.js';

/** A Fault answer: remoteType "xmlrpclib.Fault", message "Fault ‹code›: ‹text›", no trace. */
export class FaultError extends RemoteError {
  constructor(readonly faultCode: number, readonly faultString: string) {
    super('xmlrpclib.Fault', `Fault ${faultCode}: ${faultString}`);
  }
}
