#!/usr/bin/env python3
"""One HTTPS request for the conformance harness: upstream's TLS round tripper, on loopback.

    conformance-client.py REQUEST_JSON

REQUEST_JSON: {"address": "127.a.b.c", "port": N, "sni": "example.org" (null sends none),
"ca": "/path/cert.pem" (the certificate must chain to it and name the SNI, as Go's
tls.Config{RootCAs, ServerName} checks), "method": "GET", "target": "/path",
"headers": [["Host", "example.org"], ...], "protocol": "h1" | "h2"}.

"h2" negotiates HTTP/2 by ALPN and fails if the server does not (upstream's H2Protocol);
"h1" offers http/1.1 only. The Host header is sent as :authority over HTTP/2.
Prints one JSON line: {"status": N, "headers": {name: "v1,v2"}, "body": "...", "alpn": "h2"}
or {"error": "..."}. Every socket operation is bounded by a 5 second timeout.
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


def h2(tls, method, target, headers):
    import h2.config
    import h2.connection
    import h2.events

    connection = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
    connection.initiate_connection()
    authority = next((v for k, v in headers if k.lower() == "host"), "")
    request = [(":method", method), (":scheme", "https"), (":authority", authority), (":path", target)]
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


def request(spec: dict) -> dict:
    protocol = spec.get("protocol", "h1")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    if spec.get("ca"):
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(cafile=spec["ca"])
        context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
    else:
        context.verify_mode = ssl.CERT_NONE
    context.set_alpn_protocols(["h2"] if protocol == "h2" else ["http/1.1"])
    sni = spec.get("sni")
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
