# Python's stdlib xmlrpc as a codec peer: `dumps-call` / `dumps-response` / `dumps-fault` print documents
# made by xmlrpc.client.dumps; `loads EXTRA_JSON` reads a document on stdin and reports whether it equals PAYLOAD.
import json
import sys
import xmlrpc.client

from payload import PAYLOAD, canon


def main():
    mode = sys.argv[1]
    if mode == 'dumps-call':
        sys.stdout.write(xmlrpc.client.dumps(tuple(PAYLOAD), 'test.echo', allow_none=True))
    elif mode == 'dumps-response':
        sys.stdout.write(xmlrpc.client.dumps((PAYLOAD,), methodresponse=True, allow_none=True))
    elif mode == 'dumps-fault':
        sys.stdout.write(xmlrpc.client.dumps(xmlrpc.client.Fault(42, 'boom <&> \u2603'), allow_none=True))
    elif mode == 'loads':
        params, method = xmlrpc.client.loads(sys.stdin.buffer.read(), use_builtin_types=True)
        expected = PAYLOAD + ['cr\rkept', 2 ** 40, -(2 ** 40)]
        got = canon(list(params))
        want = canon(expected)
        mismatches = [i for i, (g, w) in enumerate(zip(got[1], want[1])) if g != w]
        print(json.dumps({'method': method, 'equal': got == want, 'count': len(params),
                          'mismatches': [[got[1][i], want[1][i]] for i in mismatches]}))
    else:
        raise SystemExit('unknown mode ' + mode)


main()
