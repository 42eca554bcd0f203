// Why an AMQP message was refused: the reason words carried in the x-func-reason header of a dead-lettered
// message (docs/amqp-protocol.md §7), and the error that carries one through the code.
import { ProtocolError, type FuncError } from '../../common/errors.js';

export const RejectReasons = {
  CONTENT_TYPE: 'bad-content-type',
  OVERSIZE: 'oversize',
  FORMAT: 'bad-format',
  UNSIGNED: 'unsigned',
  SIGNATURE: 'bad-signature',
  UNTRUSTED: 'untrusted-certificate',
  REVOKED: 'revoked-certificate',
  EXPIRED: 'expired',
  FUTURE: 'future-dated',
  LIFETIME: 'lifetime-too-long',
  ID_REUSED: 'id-reused',
  WRONG_SIGNER: 'wrong-signer',
  UNEXPECTED: 'unexpected-kind',
} as const;
export type RejectReason = (typeof RejectReasons)[keyof typeof RejectReasons];

/** A message refused for `reason`; `cause` is the specific error (a revoked certificate, a JSON error, ...). */
export class MessageRejectedError extends ProtocolError {
  constructor(readonly reason: RejectReason, message: string, options?: ErrorOptions) {
    super(`message rejected (${reason}): ${message}`, options);
  }

  /** Wraps a decoding or checking error under a reason, keeping it as the cause. */
  static from(reason: RejectReason, err: FuncError | Error): MessageRejectedError {
    return err instanceof MessageRejectedError ? err : new MessageRejectedError(reason, err.message, { cause: err });
  }
}
