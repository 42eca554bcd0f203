# A Python SimpleXMLRPCServer behind ssl with CERT_REQUIRED, as a peer for our XmlRpcClient:
# argv = ca cert key. Prints its port on the first line of stdout, then serves until killed.
import ssl
import sys
import xmlrpc.client
from xmlrpc.server import SimpleXMLRPCRequestHandler, SimpleXMLRPCServer


class Handler(SimpleXMLRPCRequestHandler):
    rpc_paths = ('/', '/RPC2')

    def _dispatch(self, method, params):
        if method == 'whoami':
            subject = self.connection.getpeercert()['subject']
            return dict(pair[0] for pair in subject)['commonName']
        return self.server._dispatch(method, params)


def fail():
    raise ValueError('python exception')


def fault():
    raise xmlrpc.client.Fault(42, 'python fault <&>')


def main():
    ca, cert, key = sys.argv[1:4]
    server = SimpleXMLRPCServer(('127.0.0.1', 0), requestHandler=Handler, allow_none=True,
                                use_builtin_types=True, logRequests=False)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    ctx.load_verify_locations(ca)
    ctx.verify_mode = ssl.CERT_REQUIRED
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    server.register_function(lambda x: x, 'echo')
    server.register_function(lambda a, b: a + b, 'add')
    server.register_function(lambda: 2 ** 40, 'bigint')
    server.register_function(lambda: ['REMOTE_ERROR', 'exceptions.Exception', 'boom', 'trace here'], 'remote_error')
    server.register_function(lambda n: 'y' * n, 'big')
    server.register_function(fail, 'fail')
    server.register_function(fault, 'fault')
    print(server.server_address[1], flush=True)
    server.serve_forever()


main()
