#!/usr/bin/env python3
"""HTTPS requests to 127.0.0.1 with a chosen SNI and Host, for the TLS tests.

    tls-probe.py PORT REQUEST_JSON...

Each REQUEST_JSON is an object: "sni" (the TLS server name; null sends none),
"host" (the Host header), "path" (default "/"), and optionally "ca" (a PEM file:
the certificate must then verify against it and name the SNI) and "cert" and "key"
(PEM files: a client certificate, presented when the server asks for one). For each
request one JSON line is printed, in order:

    {"status": 200, "headers": {...}, "body": "...", "fingerprint": "<sha256 of
     the server certificate's DER>", "alpn": "http/1.1", "tls": "TLSv1.3",
     "certificateRequested": true}

or {"error": "...", "certificateRequested": false} when the connection, handshake
or request fails. "certificateRequested" says whether the server sent a
CertificateRequest. Loopback only; every socket operation is bounded by a 5 second
timeout.
"""

import hashlib
import http.client
import json
import socket
import ssl
import sys


def probe(port: int, request: dict) -> dict:
    sni = request.get("sni")
    host = request.get("host") or sni or "localhost"
    path = request.get("path", "/")
    ca = request.get("ca")
    if ca:
        context = ssl.create_default_context(cafile=ca)
    else:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    context.set_alpn_protocols(["http/1.1"])
    if request.get("cert"):
        context.load_cert_chain(request["cert"], request.get("key"))
    requested = watch_certificate_request(context)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
            with context.wrap_socket(raw, server_hostname=sni) as tls:
                der = tls.getpeercert(binary_form=True) or b""
                tls.sendall(
                    f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()
                )
                response = http.client.HTTPResponse(tls)
                response.begin()
                body = response.read().decode("utf-8", "replace")
                return {
                    "status": response.status,
                    "headers": {k.lower(): v for k, v in response.getheaders()},
                    "body": body,
                    "fingerprint": hashlib.sha256(der).hexdigest(),
                    "alpn": tls.selected_alpn_protocol(),
                    "tls": tls.version(),
                    "certificateRequested": bool(requested),
                }
    except (OSError, ssl.SSLError, http.client.HTTPException) as error:
        # With TLS 1.3 a refused client certificate surfaces here, at the first read: the
        # client's side of the handshake is over before the server has checked it.
        return {"error": f"{type(error).__name__}: {error}", "certificateRequested": bool(requested)}


def watch_certificate_request(context: ssl.SSLContext) -> list:
    """A list that gets an item when the server sends a CertificateRequest.

    Python's ssl has no hook for the request (Go's GetClientCertificate); OpenSSL's message
    callback sees every handshake message, TLS 1.3's encrypted ones included, decrypted.
    """
    seen = []

    def callback(connection, direction, version, content_type, message_type, data):
        if direction == "read" and message_type == ssl._TLSMessageType.CERTIFICATE_REQUEST:
            seen.append(True)

    context._msg_callback = callback
    return seen


def main() -> int:
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    port = int(sys.argv[1])
    for argument in sys.argv[2:]:
        print(json.dumps(probe(port, json.loads(argument))), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
