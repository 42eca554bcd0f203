// The methods certmaster serves over XML-RPC: wait_for_cert(csr_pem[, with_triggers]) with the original's
// flow (func-compat.md §7.1), the autosign policy, and the refusals of §10.1 as typed errors. Divergence: an
// unparsable, unsafe or refused CSR gets Fault 1 with the reason (the original answered [false, "", ""]).
import { CaError, FuncError, InvalidArgumentsError, MethodNotFoundError } from '../common/errors.js';
import { clip, silentLogger, type Logger } from '../common/log.js';
import type { CallRequest, WireValue } from '../transport/types.js';
import { pemFingerprint256 } from './ca.js';
import type { CertStore } from './cert-store.js';
import type { ParsedCsr } from './csr.js';

/** wait_for_cert's answer: [signed, cert PEM, CA cert PEM]; [false, "", ""] = not (yet) signed. */
export type WaitForCertAnswer = [boolean, string, string];

const notSigned = (): WaitForCertAnswer => [false, '', ''];

/** Methods certmaster answers (also what trait_names returns, as the original does). */
export const CERTMASTER_METHODS = ['wait_for_cert'] as const;

/** The policy an Enrollment applies. */
export interface EnrollmentOptions {
  /** sign every acceptable CSR at once (certmaster.conf autosign) */
  autosign: boolean;
  log?: Logger;
}

/** Reads the optional with_triggers argument with Python's truthiness for the types XML-RPC carries. */
function triggersWanted(value: WireValue | undefined): boolean {
  if (value === undefined) return true;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  throw new InvalidArgumentsError(`wait_for_cert: with_triggers must be a boolean, got ${typeof value}`);
}

/** certmaster's request handling over a CertStore; one host's requests are handled one at a time. */
export class Enrollment {
  private readonly log: Logger;
  private readonly busy = new Map<string, Promise<unknown>>();

  constructor(private readonly store: CertStore, private readonly options: EnrollmentOptions) {
    this.log = options.log ?? silentLogger;
  }

  /** Dispatches one XML-RPC call; an unknown method is MethodNotFoundError (Fault InvalidMethodException). */
  async handle(request: CallRequest, peerAddress = '?'): Promise<WireValue> {
    if (request.method === 'wait_for_cert') {
      const [csr, withTriggers, ...extra] = request.params;
      if (typeof csr !== 'string' || extra.length > 0) {
        throw new InvalidArgumentsError('wait_for_cert expects (csr_pem: string[, with_triggers: boolean])');
      }
      return this.waitForCert(csr, triggersWanted(withTriggers), peerAddress);
    }
    if (request.method === 'trait_names' || request.method === '_getAttributeNames') return [...CERTMASTER_METHODS];
    this.log.info(`unhandled method call for method: ${clip(request.method)} from ${peerAddress}`);
    throw new MethodNotFoundError('certmaster', clip(request.method));
  }

  /**
   * §7.1: pending CSR → not signed; stored cert → that cert; autosign → sign now; else store the CSR.
   * Invalid CSRs (CsrInvalidError) and CA look-alikes (CsrRefusedError) are thrown, nothing is stored.
   */
  async waitForCert(csrText: string, withTriggers = true, peerAddress = '?'): Promise<WaitForCertAnswer> {
    let csr: ParsedCsr;
    try {
      csr = await this.store.checkCsr(csrText);
    } catch (err) {
      this.log.warn(`rejected a certificate request from ${peerAddress}: ${clip((err as Error).message, 512)}`);
      throw err;
    }
    return this.oneAtATime(csr.cn, () => this.answer(csr, withTriggers, peerAddress).catch((err: unknown) => {
      if (err instanceof FuncError) throw err;
      // a file-system failure: logged whole here, answered without the CA's internal paths
      this.log.error(`cannot handle the request for ${csr.cn} from ${peerAddress}: ${(err as Error).message}`);
      const code = (err as NodeJS.ErrnoException).code;
      throw new CaError(`the CA cannot store the request or certificate for ${csr.cn}${code ? ` (${code})` : ''}; see certmaster.log`);
    }));
  }

  private async answer(csr: ParsedCsr, withTriggers: boolean, peerAddress: string): Promise<WaitForCertAnswer> {
    const host = csr.cn;
    if (withTriggers) await this.store.trigger('request', 'pre', host);
    this.log.info(`${host} requested signing of cert ${host} (from ${peerAddress})`);
    const pending = await this.store.readCsr(host);
    if (pending !== null) {
      if (pemFingerprint256(pending) !== pemFingerprint256(csr.pem)) {
        this.log.info(`a request for ${host} is already pending and does not match this one`);
      }
      return notSigned();
    }
    const cert = await this.store.readCert(host);
    let answer: WaitForCertAnswer;
    if (cert !== null) {
      answer = [true, cert, await this.store.caCertPem()];
    } else if (this.options.autosign) {
      const signed = await this.store.signRequest(csr, { withTriggers });
      this.log.info(`cert for ${host} was autosigned`);
      answer = [true, signed.certPem, await this.store.caCertPem()];
    } else {
      await this.store.storeCsr(csr);
      this.log.info(`cert for ${host} created and ready to be signed`);
      answer = notSigned();
    }
    if (withTriggers) await this.store.trigger('request', 'post', host);
    return answer;
  }

  /** Runs fn after every earlier request for the same host finished. */
  private async oneAtATime<T>(host: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.busy.get(host) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(fn);
    const tail = run.catch(() => undefined);
    this.busy.set(host, tail);
    void tail.then(() => { if (this.busy.get(host) === tail) this.busy.delete(host); });
    return run;
  }
}
