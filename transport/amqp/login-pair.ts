// The key pair the overlord's broker link presents on amqps:// (docs/amqp-protocol.md §9): overlord.conf's
// amqp_key_file + amqp_cert_file when set, else the pair it signs requests with. The certmaster host's overlord
// signs with the CA's own self-signed certificate, which RabbitMQ's TLS refuses as a client certificate.
import fs from 'node:fs';
import { ConfigError } from '../../common/errors.js';
import type { TlsMaterial } from '../types.js';

/** `signing` with key and cert replaced by the files named, read now; ConfigError names the key at fault. */
export function brokerLoginPair(files: { amqp_key_file: string; amqp_cert_file: string }, signing: TlsMaterial): TlsMaterial {
  const { amqp_key_file: keyFile, amqp_cert_file: certFile } = files;
  if (!keyFile && !certFile) return signing;
  if (!keyFile || !certFile) throw new ConfigError(`amqp_key_file and amqp_cert_file: set both or neither (only ${keyFile ? 'amqp_key_file' : 'amqp_cert_file'} is set)`);
  const read = (key: string, file: string): string => {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(`${key}: cannot read ${file}: ${(err as Error).message}`, { cause: err });
    }
  };
  return { ...signing, key: read('amqp_key_file', keyFile), cert: read('amqp_cert_file', certFile) };
}
