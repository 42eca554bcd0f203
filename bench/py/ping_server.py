# Baseline for bench/minion-calls.ts: func's own minion server stack in Python 3 -- SimpleXMLRPCServer with
# ThreadingMixIn over an ssl-wrapped socket (TLS 1.2+, client certificate required), serving test.ping -> 1.
# Usage: python3 ping_server.py HOST PORT KEY CERT CA   (prints "ready" once listening; stops on SIGTERM)
import signal
import socketserver
import ssl
import sys
from xmlrpc.server import SimpleXMLRPCRequestHandler, SimpleXMLRPCServer


class Handler(SimpleXMLRPCRequestHandler):
    rpc_paths = ("/", "/RPC2")
    protocol_version = "HTTP/1.1"  # as func's minion: connections may be kept alive


class ThreadedTlsServer(socketserver.ThreadingMixIn, SimpleXMLRPCServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, ctx):
        SimpleXMLRPCServer.__init__(self, addr, requestHandler=Handler, logRequests=False, allow_none=True, bind_and_activate=False)
        self.server_bind()
        self.server_activate()
        # the handshake runs in the connection's thread, not in the accept loop
        self.socket = ctx.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)

    def finish_request(self, request, client_address):
        try:
            request.do_handshake()
        except (ssl.SSLError, OSError):
            return
        SimpleXMLRPCServer.finish_request(self, request, client_address)


def main():
    host, port, key, cert, ca = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    ctx.load_verify_locations(ca)
    ctx.verify_mode = ssl.CERT_REQUIRED
    server = ThreadedTlsServer((host, port), ctx)
    server.register_function(lambda: 1, "test.ping")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
