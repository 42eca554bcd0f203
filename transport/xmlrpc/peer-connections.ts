// The open connections of one XML-RPC server, grouped by peer: a cap on connections per peer (certificate, or
// address on plain HTTP), and closing every connection whose certificate a new CRL revokes.
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { revokedBy } from '../../common/crl.js';
import type { Logger } from '../../common/log.js';
import { remoteAddressOf } from '../../common/tls.js';
import type { ConnectionContext } from './connection.js';

/** Tracks open connections per peer and the call context of each. */
export class PeerConnections {
  private readonly perPeer = new Map<string, number>();
  private readonly contexts = new WeakMap<Socket, ConnectionContext>();
  private readonly tlsSockets = new Set<TLSSocket>();

  /** `max`: connections one peer may hold open (0 = no cap); `key` names the setting in refusals. */
  constructor(private readonly max: number, private readonly key: string, private readonly log: Logger) {}

  /**
   * Counts a new connection of the peer `peerKey`; false (the caller closes it) when the peer already holds
   * `max` connections.
   */
  admit(socket: Socket, peerKey: string): boolean {
    const n = this.perPeer.get(peerKey) ?? 0;
    if (this.max > 0 && n >= this.max) {
      this.log.warn(`refused a connection from ${remoteAddressOf(socket)}: the peer already holds ${n} connections (${this.key} = ${this.max})`);
      return false;
    }
    this.perPeer.set(peerKey, n + 1);
    if ('encrypted' in socket) this.tlsSockets.add(socket as TLSSocket);
    socket.once('close', () => {
      const left = (this.perPeer.get(peerKey) ?? 1) - 1;
      if (left <= 0) this.perPeer.delete(peerKey); else this.perPeer.set(peerKey, left);
      this.tlsSockets.delete(socket as TLSSocket);
    });
    return true;
  }

  /** Remembers the call context of a connection (so its calls can be aborted when its certificate is revoked). */
  attach(socket: Socket, conn: ConnectionContext): void {
    this.contexts.set(socket, conn);
  }

  contextOf(socket: Socket): ConnectionContext | undefined {
    return this.contexts.get(socket);
  }

  /** Closes every open TLS connection whose peer certificate `crlPem` revokes (running calls are aborted). */
  async closeRevoked(crlPem: string): Promise<number> {
    const sockets = [...this.tlsSockets];
    const certs = sockets.map((s) => s.getPeerX509Certificate());
    const revoked = await revokedBy(crlPem, certs);
    this.log.debug(`checked ${sockets.length} open TLS connections against the new CRL: ${revoked.filter(Boolean).length} revoked`);
    let closed = 0;
    sockets.forEach((socket, i) => {
      if (!revoked[i] || socket.destroyed) return;
      this.log.warn(`closing the connection of ${remoteAddressOf(socket)}: its certificate (serial ${certs[i]!.serialNumber}) is revoked by the new CRL`);
      this.contexts.get(socket)?.abort('the caller\'s certificate was revoked');
      socket.destroy();
      closed++;
    });
    return closed;
  }
}
