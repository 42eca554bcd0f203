#!/usr/bin/env python3
# A func-style caller for the fan-out benchmark: what func 0.30's overlord does per host (func-compat.md §4.3,
# §10.3) - a new TCP + TLS connection for every call, XML-RPC POST /RPC2 - serially, or with N forked workers
# each serial over a round-robin share of the hosts (func's --forks). Results come back through pipes, which
# is cheaper than func's shelve file, so this baseline is if anything faster than func.
# Usage: func_style.py --hosts FILE --cert C --key K --ca CA [--port 51234] [--forks N] [--method test.ping]
# Prints one JSON line: {"elapsed": seconds, "ok": n, "failed": n, "forks": n}.
import argparse
import http.client
import json
import os
import ssl
import sys
import time
import xmlrpc.client


def make_context(args):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False  # func never checked the minion's name
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_verify_locations(args.ca)
    ctx.load_cert_chain(args.cert, args.key)
    return ctx


def call(host, args, ctx):
    conn = http.client.HTTPSConnection(host, args.port, context=ctx, timeout=args.timeout)
    try:
        body = xmlrpc.client.dumps((), args.method)
        conn.request('POST', '/RPC2', body, {'Content-Type': 'text/xml'})
        data = conn.getresponse().read()
        (value,), _ = xmlrpc.client.loads(data)
        return value
    finally:
        conn.close()


def run_serial(hosts, args):
    ctx = make_context(args)  # func re-reads its key pair per Overlord; one context is generous
    ok = failed = 0
    for host in hosts:
        try:
            good = call(host, args, ctx) == 1
        except Exception:
            good = False
        ok, failed = (ok + 1, failed) if good else (ok, failed + 1)
    return ok, failed


def run_forked(hosts, args):
    buckets = [hosts[i::args.forks] for i in range(min(args.forks, len(hosts)))]
    children = []
    for bucket in buckets:
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            ok, failed = run_serial(bucket, args)
            os.write(w, json.dumps([ok, failed]).encode())
            os._exit(0)
        os.close(w)
        children.append((pid, r))
    ok = failed = 0
    for pid, r in children:
        with os.fdopen(r) as f:
            a, b = json.loads(f.read() or '[0, 0]')
        os.waitpid(pid, 0)
        ok += a
        failed += b
    return ok, failed


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--hosts', required=True)
    p.add_argument('--cert', required=True)
    p.add_argument('--key', required=True)
    p.add_argument('--ca', required=True)
    p.add_argument('--port', type=int, default=51234)
    p.add_argument('--forks', type=int, default=1)
    p.add_argument('--timeout', type=float, default=30)
    p.add_argument('--method', default='test.ping')
    args = p.parse_args()
    with open(args.hosts) as f:
        hosts = [line.strip() for line in f if line.strip()]
    started = time.monotonic()
    ok, failed = run_serial(hosts, args) if args.forks <= 1 else run_forked(hosts, args)
    elapsed = time.monotonic() - started
    print(json.dumps({'elapsed': elapsed, 'ok': ok, 'failed': failed, 'forks': args.forks}))
    sys.exit(0 if failed == 0 else 1)


if __name__ == '__main__':
    main()
