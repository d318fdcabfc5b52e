#!/usr/bin/env python3
"""One HTTPS request for the conformance harness: upstream's TLS round tripper, on loopback.

    conformance-client.py REQUEST_JSON

REQUEST_JSON: {"address": "127.a.b.c", "port": N, "sni": "example.org" (null sends none),
"ca": "/path/cert.pem" (the certificate must chain to it and name the SNI, as Go's
tls.Config{RootCAs, ServerName} checks), "method": "GET", "target": "/path",
"headers": [["Host", "example.org"], ...], "protocol": "h1" | "h2" | "h2c" | "websocket"},
and optionally "cert" and "key" (PEM files: a client certificate, presented when the server
asks for one, as upstream's GetClientCertificateHook answers).

"h2" negotiates HTTP/2 by ALPN and fails if the server does not (upstream's H2Protocol);
"h1" offers http/1.1 only. The Host header is sent as :authority over HTTP/2.
"h2c" is upstream's H2CPriorKnowledgeProtocol: HTTP/2 in clear text, with prior knowledge
(no TLS, no "ca"/"sni"). "websocket" is upstream's WebSocket check (golang.org/x/net/websocket's
Dial, then Message.Send/Receive): in clear text, the RFC 6455 handshake for "target" with the
Host header and an "origin", then the text frame "Websocket Support!" and the binary frame
01..07, each of which must come back unchanged; it prints {"status": 101, ...} when they do.
Prints one JSON line: {"status": N, "headers": {name: "v1,v2"}, "body": "...", "alpn": "h2"}
or {"error": "..."}; over TLS both also say "certificateRequested": whether the server sent a
CertificateRequest (upstream asserts its hook was called). Every socket operation is bounded by
a 5 second timeout.
"""

import http.client
import ipaddress
import json
import socket
import ssl
import sys


def host_matches(pattern: str, host: str) -> bool:
    """Go's crypto/x509 matchHostnames: a leading "*" label matches exactly one label."""
    pattern = pattern.lower().rstrip(".")
    host = host.lower().rstrip(".")
    if not pattern or not host:
        return False
    pattern_labels = pattern.split(".")
    host_labels = host.split(".")
    if len(pattern_labels) != len(host_labels):
        return False
    for index, label in enumerate(pattern_labels):
        if index == 0 and label == "*":
            continue
        if label != host_labels[index]:
            return False
    return True


def verify_name(der: bytes, context: ssl.SSLContext, tls: ssl.SSLSocket, name: str) -> None:
    names = [value for kind, value in (tls.getpeercert() or {}).get("subjectAltName", ()) if kind == "DNS"]
    try:
        ipaddress.ip_address(name)
        raise ssl.SSLError(f"certificate check against an IP address is not supported: {name}")
    except ValueError:
        pass
    if not any(host_matches(pattern, name) for pattern in names):
        raise ssl.SSLError(f"certificate is valid for {names}, not {name}")


def h1(tls, method, target, headers):
    lines = [f"{method} {target} HTTP/1.1"] + [f"{k}: {v}" for k, v in headers] + ["Connection: close", "", ""]
    tls.sendall("\r\n".join(lines).encode())
    response = http.client.HTTPResponse(tls, method=method)
    response.begin()
    collected = {}
    for name, value in response.getheaders():
        name = name.lower()
        collected[name] = collected[name] + "," + value if name in collected else value
    body = response.read().decode("utf-8", "replace")
    return response.status, collected, body


def h2(tls, method, target, headers, scheme="https"):
    import h2.config
    import h2.connection
    import h2.events

    connection = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
    connection.initiate_connection()
    authority = next((v for k, v in headers if k.lower() == "host"), "")
    request = [(":method", method), (":scheme", scheme), (":authority", authority), (":path", target)]
    request += [(k.lower(), v) for k, v in headers if k.lower() not in ("host", "connection")]
    stream = connection.get_next_available_stream_id()
    connection.send_headers(stream, request, end_stream=True)
    tls.sendall(connection.data_to_send())
    status, collected, body = None, {}, b""
    done = False
    while not done:
        data = tls.recv(65536)
        if not data:
            break
        for event in connection.receive_data(data):
            if isinstance(event, h2.events.ResponseReceived) and event.stream_id == stream:
                for name, value in event.headers:
                    if name == ":status":
                        status = int(value)
                    elif not name.startswith(":"):
                        collected[name] = collected[name] + "," + value if name in collected else value
            elif isinstance(event, h2.events.DataReceived) and event.stream_id == stream:
                body += event.data
                connection.acknowledge_received_data(event.flow_controlled_length, stream)
            elif isinstance(event, h2.events.StreamEnded) and event.stream_id == stream:
                done = True
            elif isinstance(event, h2.events.StreamReset) and event.stream_id == stream:
                raise ConnectionError(f"stream reset (error code {event.error_code})")
            elif isinstance(event, h2.events.ConnectionTerminated):
                done = True
        tls.sendall(connection.data_to_send())
    if status is None:
        raise ConnectionError("no HTTP/2 response")
    return status, collected, body.decode("utf-8", "replace")


WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def read_exactly(sock, count):
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise ConnectionError("connection closed mid-frame")
        data += chunk
    return data


def websocket_send(sock, opcode, payload):
    """One final frame, masked as a client must (RFC 6455 5.3)."""
    import os
    import struct
    mask = os.urandom(4)
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
    elif length < 65536:
        header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, length)
    sock.sendall(header + mask + bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload)))


def websocket_receive(sock):
    """(opcode, payload) of the next data frame; pings are answered, continuation frames joined."""
    import struct
    opcode, message = None, b""
    while True:
        first, second = read_exactly(sock, 2)
        length = second & 0x7F
        if length == 126:
            length = struct.unpack("!H", read_exactly(sock, 2))[0]
        elif length == 127:
            length = struct.unpack("!Q", read_exactly(sock, 8))[0]
        mask = read_exactly(sock, 4) if second & 0x80 else b"\0\0\0\0"
        payload = bytes(byte ^ mask[index % 4] for index, byte in enumerate(read_exactly(sock, length)))
        code = first & 0x0F
        if code == 0x9:
            websocket_send(sock, 0xA, payload)
            continue
        if code == 0xA:
            continue
        if code == 0x8:
            raise ConnectionError("the server closed the WebSocket")
        if code != 0x0:
            opcode = code
        message += payload
        if first & 0x80:
            return opcode, message


def websocket(spec: dict) -> dict:
    import base64
    import hashlib
    import os
    key = base64.b64encode(os.urandom(16)).decode()
    host = next((v for k, v in spec["headers"] if k.lower() == "host"), spec["address"])
    lines = [f"GET {spec['target']} HTTP/1.1", f"Host: {host}", "Upgrade: websocket", "Connection: Upgrade",
             f"Sec-WebSocket-Key: {key}", f"Origin: {spec.get('origin', 'http://localhost/')}", "Sec-WebSocket-Version: 13", "", ""]
    with socket.create_connection((spec["address"], spec["port"]), timeout=5) as sock:
        sock.sendall("\r\n".join(lines).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(1)
            if not chunk or len(head) > 65536:
                return {"error": f"no handshake answer: {head[:300]!r}"}
            head += chunk
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        parts = status_line.split(" ")
        status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
        headers = {}
        for line in header_lines:
            if ":" in line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        if status != 101:
            return {"error": f"bad status: {status_line} (headers {headers})"}
        expected = base64.b64encode(hashlib.sha1((key + WEBSOCKET_GUID).encode()).digest()).decode()
        if headers.get("sec-websocket-accept") != expected:
            return {"error": f"bad Sec-WebSocket-Accept: {headers.get('sec-websocket-accept')!r}"}
        text = "Websocket Support!".encode()
        websocket_send(sock, 0x1, text)
        _, reply = websocket_receive(sock)
        if reply != text:
            return {"error": f"unexpected reply - want: {text!r} got: {reply!r}"}
        binary = bytes([1, 2, 3, 4, 5, 6, 7])
        websocket_send(sock, 0x2, binary)
        _, reply = websocket_receive(sock)
        if reply != binary:
            return {"error": f"unexpected reply - want: {binary!r} got: {reply!r}"}
        websocket_send(sock, 0x8, b"\x03\xe8")
        return {"status": 101, "headers": headers, "body": ""}


def request(spec: dict) -> dict:
    protocol = spec.get("protocol", "h1")
    if protocol in ("h2c", "websocket"):
        try:
            if protocol == "websocket":
                return websocket(spec)
            with socket.create_connection((spec["address"], spec["port"]), timeout=5) as raw:
                status, headers, body = h2(raw, spec["method"], spec["target"], spec["headers"], scheme="http")
                return {"status": status, "headers": headers, "body": body}
        except Exception as error:  # socket, h2 protocol errors
            return {"error": f"{type(error).__name__}: {error}"}
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    if spec.get("ca"):
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(cafile=spec["ca"])
        context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
    else:
        context.verify_mode = ssl.CERT_NONE
    context.set_alpn_protocols(["h2"] if protocol == "h2" else ["http/1.1"])
    if spec.get("cert"):
        context.load_cert_chain(spec["cert"], spec.get("key"))
    requested = watch_certificate_request(context)
    sni = spec.get("sni")
    result = tls_request(context, spec, protocol, sni)
    result["certificateRequested"] = bool(requested)
    return result


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


def tls_request(context: ssl.SSLContext, spec: dict, protocol: str, sni) -> dict:
    try:
        with socket.create_connection((spec["address"], spec["port"]), timeout=5) as raw:
            with context.wrap_socket(raw, server_hostname=sni or None) as tls:
                if spec.get("ca"):
                    verify_name(tls.getpeercert(binary_form=True), context, tls, sni or spec["address"])
                alpn = tls.selected_alpn_protocol()
                if protocol == "h2":
                    if alpn != "h2":
                        return {"error": f"the server did not negotiate HTTP/2 (ALPN {alpn})"}
                    status, headers, body = h2(tls, spec["method"], spec["target"], spec["headers"])
                else:
                    status, headers, body = h1(tls, spec["method"], spec["target"], spec["headers"])
                return {"status": status, "headers": headers, "body": body, "alpn": alpn}
    except (OSError, ssl.SSLError, http.client.HTTPException, ConnectionError) as error:
        return {"error": f"{type(error).__name__}: {error}"}
    except Exception as error:  # h2 protocol errors
        return {"error": f"{type(error).__name__}: {error}"}


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    print(json.dumps(request(json.loads(sys.argv[1]))), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
