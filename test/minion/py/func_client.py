# A func overlord stand-in for the funcd tests: Python's xmlrpc.client over ssl (TLS 1.2+, client certificate),
# driven by one JSON document on stdin; prints one JSON document of tagged results on stdout.
#
# stdin:  {"host", "port", "key", "cert", "ca", "mode": "proxy" | "per_call" | "raw", "timeout",
#          "calls": [{"method": "test.add", "params": [1, 5]}, ...]}
# stdout: {"results": [{"value": <tagged>} | {"fault": {"code", "string"}} | {"error": {"type", "message"}}, ...]}
# Tagged values: floats {"$float": repr}, Binary {"$binary": base64}, DateTime {"$datetime": "19740105T11:59:00"};
# the same tags are accepted in params. "raw" mode speaks func's certmaster SSL client habits (no Connection
# header, select() on the raw socket before every read, reads until the server closes) and also reports the head.
import base64
import gzip
import json
import select
import socket
import ssl
import sys
import xmlrpc.client


def decode(v):
    if isinstance(v, list):
        return [decode(x) for x in v]
    if isinstance(v, dict):
        if "$float" in v:
            return float(v["$float"])
        if "$binary" in v:
            return xmlrpc.client.Binary(base64.b64decode(v["$binary"]))
        if "$datetime" in v:
            return xmlrpc.client.DateTime(v["$datetime"])
        return {k: decode(x) for k, x in v.items()}
    return v


def encode(v):
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        return {"$float": repr(v)}
    if isinstance(v, xmlrpc.client.Binary):
        return {"$binary": base64.b64encode(v.data).decode()}
    if isinstance(v, xmlrpc.client.DateTime):
        return {"$datetime": v.value}
    if isinstance(v, (list, tuple)):
        return [encode(x) for x in v]
    if isinstance(v, dict):
        return {k: encode(x) for k, x in v.items()}
    return {"$repr": repr(v)}


def context(doc):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.check_hostname = False  # func never checks the minion's name
    ctx.load_verify_locations(doc["ca"])
    if doc.get("cert"):
        ctx.load_cert_chain(doc["cert"], doc["key"])
    return ctx


class TlsTransport(xmlrpc.client.SafeTransport):
    def __init__(self, ctx, timeout):
        super().__init__(context=ctx)
        self._timeout = timeout

    def make_connection(self, host):
        conn = super().make_connection(host)
        conn.timeout = self._timeout
        return conn


def outcome(fn):
    try:
        return {"value": encode(fn())}
    except xmlrpc.client.Fault as f:
        return {"fault": {"code": f.faultCode, "string": f.faultString}}
    except Exception as e:  # noqa: BLE001 - every failure is reported to the test
        return {"error": {"type": type(e).__name__, "message": str(e)}}


def proxy(doc, ctx):
    url = "https://%s:%d" % (doc["host"], doc["port"])
    return xmlrpc.client.ServerProxy(url, transport=TlsTransport(ctx, doc.get("timeout", 10)), allow_none=True)


def call_proxy(p, call):
    fn = p
    for part in call["method"].split("."):
        fn = getattr(fn, part)
    return fn(*decode(call.get("params", [])))


def read_until_close(sock, timeout):
    # certmaster's SSLConnection: select() on the raw socket before each recv, never draining TLS buffers
    chunks = []
    while True:
        ready, _, _ = select.select([sock], [], [], timeout)
        if not ready:
            raise socket.timeout("(110, 'Operation timed out.')")
        data = sock.recv(16384)
        if not data:
            return b"".join(chunks)
        chunks.append(data)


def dechunk(body):
    out = b""
    while body:
        size_line, _, rest = body.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out += rest[:size]
        body = rest[size + 2:]
    return out


def raw_call(doc, ctx, call):
    body = xmlrpc.client.dumps(tuple(decode(call.get("params", []))), call["method"], allow_none=True).encode()
    sock = ctx.wrap_socket(socket.create_connection((doc["host"], doc["port"]), doc.get("timeout", 10)))
    head = ("POST /RPC2 HTTP/1.1\r\nHost: %s:%d\r\nAccept-Encoding: gzip\r\n"
            "User-Agent: pyOpenSSL_XMLRPC/0.1 - xmlrpclib.py/1.0.1 (by www.pythonware.com)\r\n"
            "Content-Type: text/xml\r\nContent-Length: %d\r\n\r\n") % (doc["host"], doc["port"], len(body))
    sock.sendall(head.encode() + body)
    data = read_until_close(sock, doc.get("timeout", 10))
    sock.close()
    raw_head, _, payload = data.partition(b"\r\n\r\n")
    lines = raw_head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:])}
    if headers.get("transfer-encoding", "").lower() == "chunked":
        payload = dechunk(payload)
    if headers.get("content-encoding") == "gzip":
        payload = gzip.decompress(payload)
    result = outcome(lambda: xmlrpc.client.loads(payload, use_datetime=False)[0][0])
    result["status"] = lines[0]
    result["headers"] = headers
    return result


def main():
    doc = json.load(sys.stdin)
    ctx = context(doc)
    mode = doc.get("mode", "proxy")
    results = []
    shared = proxy(doc, ctx) if mode == "proxy" else None
    for call in doc["calls"]:
        if mode == "raw":
            results.append(raw_call_safe(doc, ctx, call))
        else:
            p = shared if shared is not None else proxy(doc, ctx)
            results.append(outcome(lambda: call_proxy(p, call)))
    json.dump({"results": results}, sys.stdout)


def raw_call_safe(doc, ctx, call):
    try:
        return raw_call(doc, ctx, call)
    except Exception as e:  # noqa: BLE001
        return {"error": {"type": type(e).__name__, "message": str(e)}}


if __name__ == "__main__":
    main()
