# The interop payload shared by the Python peers of the XML-RPC tests (mirrored in interop-python.test.ts),
# and canon(): a type-aware form of a value, so that True never equals 1 and 2.0 never equals 2.
import datetime

PAYLOAD = [
    1, -2147483648, 2147483647,
    'h\u00e9llo <&> ]]> "q" \u2603 \U0001F600', '', 'tab\tnewline\n',
    True, False, None,
    3.25, -0.5, 1e21, 3.7e-32, 123121232.23, float('inf'),
    [1, [2, [3, {'k': None}]]],
    {'a': 1, 'b': [True, None], 'c': {'d': 'e'}},
    [], {},
    b'\x00\x01\xff binary',
    datetime.datetime(2024, 1, 2, 3, 4, 5),
    {'__proto__': {'polluted': True}},
]


def canon(v):
    if isinstance(v, bool):
        return ['bool', v]
    if isinstance(v, int):
        return ['int', v]
    if isinstance(v, float):
        return ['float', repr(v)]
    if isinstance(v, str):
        return ['str', v]
    if v is None:
        return ['none']
    if isinstance(v, (bytes, bytearray)):
        return ['bytes', bytes(v).hex()]
    if isinstance(v, datetime.datetime):
        return ['datetime', v.isoformat()]
    if isinstance(v, (list, tuple)):
        return ['list', [canon(x) for x in v]]
    if isinstance(v, dict):
        return ['dict', [[k, canon(x)] for k, x in sorted(v.items(), key=lambda kv: kv[0])]]
    return ['unknown', repr(v)]
