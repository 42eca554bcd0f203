#!/usr/bin/python3
# A func AMQP overlord in Python, written from docs/amqp-protocol.md alone (pika + cryptography): sends one signed
# request to a minion, verifies every reply's certificate (CA chain, CN = host) and signature, prints JSON.
import base64, json, os, sys, time, uuid

import pika
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

CONTENT_TYPE = 'application/vnd.func.v1+json'


def sign(key, body):
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(body, ec.ECDSA(hashes.SHA256()))  # DER (r, s)
    return key.sign(body, padding.PKCS1v15(), hashes.SHA256())


def verify_signature(public_key, signature, body):
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        public_key.verify(signature, body, ec.ECDSA(hashes.SHA256()))
    else:
        public_key.verify(signature, body, padding.PKCS1v15(), hashes.SHA256())


def check_certificate(cert, ca):
    """§5 step 1: issued and signed by the CA, inside its validity period."""
    if cert.issuer != ca.subject:
        raise ValueError('certificate not issued by the CA')
    pub = ca.public_key()
    if isinstance(pub, ec.EllipticCurvePublicKey):
        pub.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(cert.signature_hash_algorithm))
    else:
        pub.verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(), cert.signature_hash_algorithm)
    now = time.time()
    if not (cert.not_valid_before.timestamp() - 60 <= now <= cert.not_valid_after.timestamp() + 60):
        raise ValueError('certificate not valid now')


def main():
    url, prefix, host, key_file, cert_file, ca_file, method = sys.argv[1:8]
    params = json.loads(sys.argv[8]) if len(sys.argv) > 8 else []
    key = serialization.load_pem_private_key(open(key_file, 'rb').read(), password=None)
    cert_der = x509.load_pem_x509_certificate(open(cert_file, 'rb').read()).public_bytes(serialization.Encoding.DER)
    ca = x509.load_pem_x509_certificate(open(ca_file, 'rb').read())

    conn = pika.BlockingConnection(pika.URLParameters(url))
    ch = conn.channel()
    ch.confirm_delivery()
    reply_id = 'py' + uuid.uuid4().hex[:16]
    reply_queue = '%s.reply.%s' % (prefix, reply_id)
    ch.queue_declare(reply_queue, durable=True, arguments={'x-queue-type': 'classic', 'x-expires': 1800000})
    ch.queue_bind(reply_queue, prefix + '.replies', routing_key=reply_id + '.#')

    now = int(time.time() * 1000)
    request_id = uuid.uuid4().hex
    body = json.dumps({'v': 1, 'kind': 'request', 'id': request_id, 'sent': now, 'expires': now + 30000,
                       'reply_to': reply_id, 'method': method, 'params': params, 'targets': None},
                      separators=(',', ':')).encode('utf-8')
    headers = {'x-func-signature': base64.b64encode(sign(key, body)).decode(),
               'x-func-cert': base64.b64encode(cert_der).decode()}
    props = pika.BasicProperties(content_type=CONTENT_TYPE, delivery_mode=2, message_id=request_id, type='request',
                                 reply_to=reply_queue, timestamp=now // 1000, expiration='30000', headers=headers)
    ch.basic_publish(prefix + '.requests', host, body, props, mandatory=True)

    out = {'progress': [], 'signer': None}
    deadline = time.time() + 20
    for method_frame, properties, reply in ch.consume(reply_queue, inactivity_timeout=1):
        if time.time() > deadline:
            out['error'] = 'no answer'
            break
        if method_frame is None:
            continue
        ch.basic_ack(method_frame.delivery_tag)
        if properties.content_type != CONTENT_TYPE or properties.correlation_id != request_id:
            continue
        signer = x509.load_der_x509_certificate(base64.b64decode(properties.headers['x-func-cert']))
        check_certificate(signer, ca)
        verify_signature(signer.public_key(), base64.b64decode(properties.headers['x-func-signature']), reply)
        message = json.loads(reply.decode('utf-8'))
        cn = signer.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
        if cn.lower() != message['host'].lower() or message['host'].lower() != host.lower():
            raise ValueError('reply for %s signed by %s' % (message['host'], cn))
        out['signer'] = cn
        if message['kind'] == 'progress':
            out['progress'].append(message['event'])
            continue
        out['kind'] = message['kind']
        out['value' if message['kind'] == 'response' else 'error'] = message.get('value', message.get('error'))
        break
    ch.cancel()
    ch.queue_delete(reply_queue)
    conn.close()
    print(json.dumps(out))


if __name__ == '__main__':
    main()
