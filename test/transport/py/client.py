# A Python xmlrpc.client.ServerProxy over ssl with a client certificate, calling our XmlRpcServer:
# argv = port ca cert key. Prints one JSON object describing what each call returned.
import json
import ssl
import sys
import xmlrpc.client

from payload import PAYLOAD, canon


def main():
    port, ca, cert, key = sys.argv[1:5]
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=ca)
    ctx.load_cert_chain(cert, key)
    proxy = xmlrpc.client.ServerProxy('https://127.0.0.1:%s/RPC2' % port, context=ctx,
                                      allow_none=True, use_builtin_types=True)
    out = {}
    echoed = proxy.test.echo(PAYLOAD)
    out['echo_equal'] = canon(echoed) == canon(PAYLOAD)
    out['each_equal'] = [canon(proxy.test.echo(v)) == canon(v) for v in PAYLOAD]
    out['whoami'] = proxy.test.whoami()
    out['add'] = proxy.test.add(2, 3)
    for name in ('deny', 'bigint', 'bad_return'):
        try:
            getattr(proxy.test, name)()
            out[name] = 'no fault'
        except xmlrpc.client.Fault as f:
            out[name] = [f.faultCode, f.faultString]
    out['nosuch'] = proxy.test.nosuch()
    out['explode'] = proxy.test.explode()[:3]
    out['big_len'] = len(proxy.test.big(100000))
    print(json.dumps(out))


main()
