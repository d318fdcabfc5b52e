#!/usr/bin/env python3
"""A loopback HTTP backend that answers every request with its own name.

Used by Meridian's tests and the bundled example. It binds 127.0.0.1 only.

    loopback-backend.py --name a --port 0 --port-file /tmp/a.port [--fail-status 503]

A request is answered 200 with a JSON body (backend, path, method, host, the
request's x- headers) and an `x-backend` header, unless it asks otherwise:

    x-status: S             answer status S (same body)
    x-delay-ms: D           sleep D ms before answering
    x-request-key: K        count this request as an attempt of K (see /__attempts)
    x-fail-attempts: N      with x-request-key: the first N attempts of K fail ...
    x-fail-status: S        ... answered S (default 503), or
    x-fail-mode: reset      ... the connection is closed (RST) without an answer
    x-delay-attempts: N     with x-request-key and x-delay-ms: only the first N attempts of K are delayed
    x-close-connection: 1   answer with `Connection: close` and close the connection (the next
                            request through a proxy opens a new one: a new TLS handshake)

Control paths (the `/__` prefix; never forwarded by a test route on purpose):

    GET  /__attempts?key=K  {"attempts": n}
    GET  /__stats           {"requests": n, "inFlight": n, "maxInFlight": n}
    POST /__control         {"failStatus": 503} answer every request 503; {"failStatus": null} stop;
                            {"resetStats": true} zero the counts above (attempts per key too)

`--fail-status S` starts the backend answering every request S (an endpoint that is broken).
Every non-control answer carries `x-backend` and `x-attempt` (the attempt number of its key).
With `--tls-cert` and `--tls-key` the backend speaks TLS (HTTPS) and every answer carries
`x-sni`, the server name the client sent. With `--tls-client-ca FILE` as well it requires a
client certificate that chains to FILE's CAs (a handshake without one, or with another, fails)
and every answer carries `x-client-cert-sha256`, the SHA-256 of the client certificate's DER
(lowercase hex; empty without a client certificate).

A GET with `Upgrade: websocket` (RFC 6455) is answered 101 with `x-backend`, and every text
or binary message on the connection is echoed back; a ping gets a pong, a close a close.
"""
import argparse
import base64
import hashlib
import http.server
import json
import os
import signal
import socket
import ssl
import struct
import sys
import threading
import time
import urllib.parse


class State:
    """What the backend saw, shared by the handler threads."""

    def __init__(self, fail_status):
        self.lock = threading.Lock()
        self.fail_status = fail_status
        self.attempts = {}
        self.requests = 0
        self.in_flight = 0
        self.max_in_flight = 0

    def begin(self, key):
        with self.lock:
            self.requests += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            attempt = 0
            if key is not None:
                attempt = self.attempts.get(key, 0) + 1
                self.attempts[key] = attempt
            return attempt, self.fail_status

    def end(self):
        with self.lock:
            self.in_flight -= 1

    def reset(self):
        with self.lock:
            self.attempts.clear()
            self.requests = 0
            self.max_in_flight = self.in_flight


def header_int(headers, name):
    value = headers.get(name)
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def read_websocket_frame(stream):
    """(opcode, payload) of the next frame (unmasked), or None at the end of the stream."""
    header = stream.read(2)
    if len(header) < 2:
        return None
    opcode = header[0] & 0x0F
    masked = header[1] & 0x80
    length = header[1] & 0x7F
    if length == 126:
        length = struct.unpack("!H", stream.read(2))[0]
    elif length == 127:
        length = struct.unpack("!Q", stream.read(8))[0]
    mask = stream.read(4) if masked else b"\0\0\0\0"
    payload = stream.read(length)
    return opcode, bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))


def websocket_frame(opcode, payload):
    """A final, unmasked frame (servers do not mask)."""
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", 0x80 | opcode, length)
    elif length < 65536:
        header = struct.pack("!BBH", 0x80 | opcode, 126, length)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 127, length)
    return header + payload


def client_certificate_sha256(connection):
    """SHA-256 (hex) of the TLS client's certificate, "" for plain text or no certificate."""
    if not isinstance(connection, ssl.SSLSocket):
        return ""
    der = connection.getpeercert(binary_form=True)
    return hashlib.sha256(der).hexdigest() if der else ""


def make_handler(name, state):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Without this every response through Envoy waits ~40 ms for Nagle + delayed ACK.
        disable_nagle_algorithm = True

        def _body(self):
            length = int(self.headers.get("content-length") or 0)
            return self.rfile.read(length) if length else b""

        def _send(self, status, body, extra_headers=()):
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("x-backend", name)
            self.send_header("x-sni", getattr(self.connection, "meridian_sni", ""))
            self.send_header("x-client-cert-sha256", client_certificate_sha256(self.connection))
            for header, value in extra_headers:
                self.send_header(header, value)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _control(self, body):
            url = urllib.parse.urlsplit(self.path)
            if url.path == "/__attempts" and self.command == "GET":
                key = urllib.parse.parse_qs(url.query).get("key", [""])[0]
                with state.lock:
                    answer = {"attempts": state.attempts.get(key, 0)}
            elif url.path == "/__stats" and self.command == "GET":
                with state.lock:
                    answer = {"requests": state.requests, "inFlight": state.in_flight, "maxInFlight": state.max_in_flight}
            elif url.path == "/__control" and self.command == "POST":
                try:
                    command = json.loads(body or b"{}")
                except ValueError:
                    return self._send(400, b'{"error": "body is not JSON"}\n')
                if not isinstance(command, dict):
                    return self._send(400, b'{"error": "body is not a JSON object"}\n')
                if "failStatus" in command:
                    status = command["failStatus"]
                    if status is not None and (not isinstance(status, int) or not 100 <= status <= 599):
                        return self._send(400, b'{"error": "failStatus must be null or 100...599"}\n')
                    with state.lock:
                        state.fail_status = status
                if command.get("resetStats"):
                    state.reset()
                with state.lock:
                    answer = {"failStatus": state.fail_status}
            else:
                return self._send(404, b'{"error": "unknown control path"}\n')
            self._send(200, (json.dumps(answer) + "\n").encode())

        def _reset_connection(self):
            # SO_LINGER with a zero timeout: close() sends RST instead of FIN.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()

        def _websocket(self):
            key = self.headers.get("sec-websocket-key", "").strip()
            if not key:
                return self._send(400, b'{"error": "no Sec-WebSocket-Key"}\n')
            accept = base64.b64encode(hashlib.sha1((key + WEBSOCKET_GUID).encode()).digest()).decode()
            state.begin(None)
            state.end()
            self.send_response(101)
            self.send_header("upgrade", "websocket")
            self.send_header("connection", "Upgrade")
            self.send_header("sec-websocket-accept", accept)
            self.send_header("x-backend", name)
            self.send_header("x-sni", getattr(self.connection, "meridian_sni", ""))
            self.end_headers()
            self.close_connection = True
            while True:
                frame = read_websocket_frame(self.rfile)
                if frame is None:
                    return
                opcode, payload = frame
                if opcode in (0x1, 0x2):  # text, binary: echo
                    self.wfile.write(websocket_frame(opcode, payload))
                elif opcode == 0x9:  # ping
                    self.wfile.write(websocket_frame(0xA, payload))
                elif opcode == 0x8:  # close
                    self.wfile.write(websocket_frame(0x8, payload[:2]))
                    return

        def _answer(self):
            if self.command == "GET" and self.headers.get("upgrade", "").strip().lower() == "websocket":
                return self._websocket()
            body = self._body()
            if self.path.startswith("/__"):
                return self._control(body)
            key = self.headers.get("x-request-key")
            attempt, fail_status = state.begin(key)
            ended = False
            try:
                delay = header_int(self.headers, "x-delay-ms")
                delayed_attempts = header_int(self.headers, "x-delay-attempts")
                if delay and (delayed_attempts is None or (key is not None and attempt <= delayed_attempts)):
                    time.sleep(delay / 1000)
                status = 200
                if fail_status is not None:
                    status = fail_status
                elif header_int(self.headers, "x-status") is not None:
                    status = header_int(self.headers, "x-status")
                elif key is not None and attempt <= (header_int(self.headers, "x-fail-attempts") or 0):
                    if (self.headers.get("x-fail-mode") or "").strip().lower() == "reset":
                        state.end()
                        ended = True
                        return self._reset_connection()
                    status = header_int(self.headers, "x-fail-status") or 503
                echoed = {}
                for header in {k.lower() for k in self.headers.keys()}:
                    if header.startswith("x-") and not header.startswith("x-envoy"):
                        echoed[header] = ",".join(self.headers.get_all(header))
                answer = (json.dumps({"backend": name, "path": self.path, "method": self.command,
                                      "host": self.headers.get("host", ""), "headers": echoed}) + "\n").encode()
                # No longer in flight once the answer is decided: a client that has read the
                # answer and asks /__stats must not find its own request still counted.
                state.end()
                ended = True
                extra = [("x-attempt", str(attempt))]
                if self.headers.get("x-close-connection"):
                    # send_header("connection", "close") also ends the keep-alive loop.
                    extra.append(("connection", "close"))
                self._send(status, answer, extra)
            finally:
                if not ended:
                    state.end()

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _answer

        def log_message(self, *args):
            pass

    return Handler


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    # Many concurrent connections in circuit-breaker and burst tests.
    request_queue_size = 128

    def handle_error(self, request, client_address):
        # A peer that went away (Envoy's per-try timeout, a reset we asked for) is expected.
        if isinstance(sys.exc_info()[1], (ConnectionError, OSError)):
            return
        super().handle_error(request, client_address)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--name", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", help="write the bound port here once listening")
    parser.add_argument("--fail-status", type=int, help="answer every request with this status")
    parser.add_argument("--tls-cert", help="serve TLS with this PEM certificate chain (and --tls-key)")
    parser.add_argument("--tls-key", help="the PEM private key of --tls-cert")
    parser.add_argument("--tls-client-ca", help="require a client certificate chaining to these PEM CAs (with --tls-cert)")
    args = parser.parse_args()

    server = Server(("127.0.0.1", args.port), make_handler(args.name, State(args.fail_status)))
    if args.tls_cert:
        # TLS: every answer carries `x-sni`, the server name the client sent ("" for none).
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        if args.tls_client_ca:
            # Mutual TLS: the handshake fails without a client certificate from these CAs.
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(cafile=args.tls_client_ca)

        def remember_sni(connection, server_name, _context):
            connection.meridian_sni = server_name or ""

        context.sni_callback = remember_sni
        server.socket = context.wrap_socket(server.socket, server_side=True)
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(server.server_address[1]))
        os.replace(tmp, args.port_file)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server.serve_forever()


if __name__ == "__main__":
    main()
