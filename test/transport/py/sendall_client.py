# A call sent the way func's Python 2 overlord sends one (httplib over an ssl socket): request head and whole body
# in one sendall(), then the response is read. argv = port ca cert key body_bytes. Prints one JSON object: where it
# ended (sendall or read), how, and after how long. Socket timeout 10 s (func's was 20 s; the runner kills at 15 s).
import json
import socket
import ssl
import sys
import time


def main():
    port, ca, cert, key, body_bytes = sys.argv[1:6]
    size = int(body_bytes)
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=ca)
    ctx.check_hostname = False  # func's overlord checked the CA only
    ctx.load_cert_chain(cert, key)
    sock = ctx.wrap_socket(socket.create_connection(('127.0.0.1', int(port)), timeout=10))
    head = ('POST /RPC2 HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nUser-Agent: xmlrpclib.py/1.0.1 (by www.pythonware.com)\r\n'
            'Content-Type: text/xml\r\nContent-Length: %d\r\n\r\n' % (port, size)).encode('ascii')
    start = '<?xml version=\'1.0\'?>\n<methodCall>\n<methodName>test.echo</methodName>\n<params>\n<param>\n<value><string>'
    body = start.encode('ascii') + b'x' * (size - len(start))
    out = {'phase': 'sendall'}
    t0 = time.monotonic()
    try:
        sock.sendall(head + body)
        out['phase'] = 'read'
        out['answer'] = sock.recv(4096).decode('latin-1').split('\r\n')[0]
    except socket.timeout as e:
        out['error'] = 'timeout: %s' % e
    except (OSError, ssl.SSLError) as e:
        out['error'] = '%s: %s' % (type(e).__name__, e)
    out['seconds'] = round(time.monotonic() - t0, 3)
    print(json.dumps(out))


main()
