#!/usr/bin/env python3
"""A loopback stand-in for the Gateway API conformance suite's echo server (echo-basic).

Meridian's conformance tests (Tests/MeridianConformanceTests) start one of these per
Service of the upstream manifests and point the Service's EndpointSlice at it. It binds
127.0.0.1 only.

    echo-backend.py --namespace NS --service SVC --pod POD --port-file FILE [--port 0]... [--parent-pid PID]

Each `--port` is one listening socket (0: the kernel picks); FILE gets the bound ports,
one a line, in the order given. Every socket answers the same way, except those given by
`--h2c-port` (echo-basic's H2C_PORT, 3001): there a connection that opens with the HTTP/2
preface is served HTTP/2 in clear text (prior knowledge, the pinned `h2` package) with the same
JSON ("proto": "HTTP/2.0", "host" the :authority), and an HTTP/1.1 request is answered 400
"Expected h2c request", as echo-basic's h2c server does. The h2c upgrade (`Upgrade: h2c`) is
not served: upstream does not test it.

Answers, as echo-basic does (conformance/echo-basic/echo-basic.go):

    any path                JSON {"path", "host", "method", "proto", "headers", "httpPort",
                            "namespace", "ingress", "service", "pod"}: path is the request
                            target as sent (with its query), headers the request's headers
                            by canonical name (X-Foo-Bar) without Host, each a list of values;
                            Content-Type application/json, X-Content-Type-Options nosniff.
                            `?delay=D` (a Go duration: 500ms, 1s) answers after D.
    /status/NNN             status NNN, empty body (anything else under /status/: 400)
    /health                 200 OK
    /ws                     a WebSocket (RFC 6455 handshake, `Upgrade: websocket`): every text
                            or binary message comes back unchanged (echo-basic's io.Copy(ws, ws)),
                            pings are answered, a close frame is returned
    /retry/?uuid=U&succeedAfter=N[&responseCode=S][&delayRetry=D]
                            the first N requests of U fail: answered S, or (no responseCode)
                            the connection is reset; later ones echo
    X-Echo-Set-Header: "Name:value,Name2:value2"
                            those response headers are set on the echo answer

On a `--tls-port` (echo-basic's 8443, with `--tls-cert`/`--tls-key`) the JSON also has `tls`:
`version`, `serverName` (the SNI) and, when the client sent certificates, `peerCertificates`
(PEM). With `--tls-client-ca` (echo-basic's TLS_CLIENT_CACERTS) a client certificate is asked
for and must chain to those CAs when given; a client without one is still served.

Each echoed request is logged on stdout as echo-basic logs it,
`Echoing back request made to TARGET to client (ADDRESS)`: the conformance tests read
these lines as upstream reads a pod's logs (the mirror tests).

The conformance tests read only these fields; the pod name (`--pod`) starts with the
Service's Deployment name, as a Kubernetes pod's does.
"""
import argparse
import ssl
import base64
import hashlib
import http.server
import json
import os
import re
import signal
import socket
import socketserver
import struct
import sys
import threading
import time
import urllib.parse


DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_go_duration(text):
    """Seconds in a Go duration string ("1s", "500ms", "1m30s"); ValueError when it is not one."""
    parts = re.findall(r"([0-9]*\.?[0-9]+)(ns|us|µs|ms|s|m|h)", text)
    if not parts or "".join(number + unit for number, unit in parts) != text:
        raise ValueError("time: invalid duration %r" % text)
    return sum(float(number) * DURATION_UNITS[unit] for number, unit in parts)


def canonical_header_name(name):
    """Go's textproto.CanonicalMIMEHeaderKey for the usual header names."""
    if not re.fullmatch(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+", name):
        return name
    return "-".join(part[:1].upper() + part[1:].lower() for part in name.split("-"))


WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def read_exactly(stream, count):
    data = stream.read(count)
    if len(data) < count:
        raise ValueError("the stream ended mid-frame")
    return data


def read_websocket_frame(stream):
    """(opcode, payload, final) of the next frame, unmasked; None at the end of the stream."""
    header = stream.read(2)
    if len(header) < 2:
        return None
    final = bool(header[0] & 0x80)
    opcode = header[0] & 0x0F
    masked = header[1] & 0x80
    length = header[1] & 0x7F
    if length == 126:
        length = struct.unpack("!H", read_exactly(stream, 2))[0]
    elif length == 127:
        length = struct.unpack("!Q", read_exactly(stream, 8))[0]
    if length > 1 << 20:
        raise ValueError("frame too large")
    mask = read_exactly(stream, 4) if masked else b"\0\0\0\0"
    payload = read_exactly(stream, length)
    return opcode, bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload)), final


def websocket_frame(opcode, payload, final=True):
    """One unmasked frame (servers do not mask)."""
    first = (0x80 if final else 0) | opcode
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", first, length)
    elif length < 65536:
        header = struct.pack("!BBH", first, 126, length)
    else:
        header = struct.pack("!BBQ", first, 127, length)
    return header + payload


def echo_body(context, http_port, target, host, method, proto, header_pairs):
    """echo-basic's JSON account of a request: headers by canonical name, without Host."""
    headers = {}
    for name, value in header_pairs:
        if name.lower() == "host":
            continue
        headers.setdefault(canonical_header_name(name), []).append(value)
    return {
        "path": target,
        "host": host,
        "method": method,
        "proto": proto,
        "headers": headers,
        "httpPort": http_port,
        "namespace": context["namespace"],
        "ingress": "",
        "service": context["service"],
        "pod": context["pod"],
    }


def peer_certificates_pem(connection):
    """echo-basic's `tls.peerCertificates`: each certificate the client sent, as Go's pem.Encode
    writes it. Python 3.13's get_unverified_chain gives the whole chain; before it, ssl exposes
    only the leaf (all a one-certificate tls.crt sends anyway)."""
    chain = getattr(connection, "get_unverified_chain", None)
    if chain is not None:
        ders = [bytes(der) for der in (chain() or [])]
    else:
        leaf = connection.getpeercert(binary_form=True)
        ders = [leaf] if leaf else []
    return [ssl.DER_cert_to_PEM_cert(der) for der in ders]


def echo_set_headers(values):
    """The response headers `X-Echo-Set-Header: Name:value,Name2:value2` asks for."""
    extra = {}
    for header_list in values:
        for pair in header_list.split(","):
            name, _, value = pair.strip().partition(":")
            if not name:
                continue
            extra[name] = value if name not in extra else extra[name] + "," + value.strip()
    return extra


H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


def serve_h2c(sock, client_address, context, http_port):
    """One connection of the h2c port: HTTP/2 with prior knowledge, else a 400 over HTTP/1.1."""
    import h2.config
    import h2.connection
    import h2.events
    import h2.exceptions

    sock.settimeout(30)
    try:
        opening = b""
        while len(opening) < len(H2_PREFACE) and H2_PREFACE.startswith(opening):
            chunk = sock.recv(len(H2_PREFACE) - len(opening))
            if not chunk:
                return
            opening += chunk
        if opening != H2_PREFACE:
            body = b"Expected h2c request"
            sock.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n"
                         b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body))
            return
        connection = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=False, header_encoding="utf-8"))
        connection.initiate_connection()
        events = connection.receive_data(opening)
        requests = {}
        while True:
            for event in events:
                if isinstance(event, h2.events.RequestReceived):
                    requests[event.stream_id] = event.headers
                elif isinstance(event, h2.events.DataReceived):
                    connection.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                elif isinstance(event, h2.events.StreamEnded):
                    pairs = requests.pop(event.stream_id, [])
                    pseudo = {name: value for name, value in pairs if name.startswith(":")}
                    regular = [(name, value) for name, value in pairs if not name.startswith(":")]
                    target = pseudo.get(":path", "/")
                    print("Echoing back request made to %s to client (%s:%d)" % ((target,) + client_address[:2]), flush=True)
                    body = json.dumps(echo_body(context, http_port, target, pseudo.get(":authority", ""),
                                                pseudo.get(":method", ""), "HTTP/2.0", regular), indent=1).encode()
                    extra = echo_set_headers([value for name, value in regular if name.lower() == "x-echo-set-header"])
                    response = [(":status", "200")] + [(name.lower(), value) for name, value in extra.items()]
                    response += [("content-type", "application/json"), ("x-content-type-options", "nosniff"),
                                 ("content-length", str(len(body)))]
                    connection.send_headers(event.stream_id, response)
                    connection.send_data(event.stream_id, body, end_stream=True)
                elif isinstance(event, h2.events.ConnectionTerminated):
                    sock.sendall(connection.data_to_send())
                    return
            sock.sendall(connection.data_to_send())
            data = sock.recv(65536)
            if not data:
                return
            events = connection.receive_data(data)
    except (OSError, h2.exceptions.ProtocolError):
        return
    finally:
        sock.close()


class H2CServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class RetrySimulation:
    """Attempts per uuid of /retry/, shared by the handler threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.attempts = {}

    def should_fail(self, uuid, succeed_after):
        with self.lock:
            count = self.attempts.get(uuid, 0)
            if count < succeed_after:
                self.attempts[uuid] = count + 1
                return True
            return False


def make_handler(context, http_port, retries):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True
        server_version = "echo-backend"
        sys_version = ""

        def log_message(self, format, *args):  # noqa: A002 - the base class's name
            pass

        def handle_any(self):
            self.read_body()
            target = self.path
            path_only = urllib.parse.urlsplit(target).path.replace("//", "/")
            if path_only == "/ws" and self.command == "GET" and self.headers.get("Upgrade", "").strip().lower() == "websocket":
                return self.websocket()
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(target).query)
            if path_only == "/health":
                return self.answer(200, b"OK", {})
            if path_only.startswith("/status/"):
                match = re.fullmatch(r"/status/(\d\d\d)", target)
                return self.answer(int(match.group(1)) if match else 400, b"", {})
            if path_only.startswith("/retry/"):
                uuid = (query.get("uuid") or [""])[0]
                if not uuid:
                    return self.answer(400, b"uuid is required", {})
                try:
                    succeed_after = int((query.get("succeedAfter") or [""])[0])
                except ValueError:
                    return self.answer(400, b"succeedAfter is required", {})
                if retries.should_fail(uuid, succeed_after):
                    if not self.delay(query, "delayRetry"):
                        return
                    try:
                        status = int((query.get("responseCode") or [""])[0])
                    except ValueError:
                        return self.reset()
                    return self.answer(status, b"", {})
            if not self.delay(query, "delay"):
                return
            self.echo(target)

        def delay(self, query, key):
            value = (query.get(key) or [""])[0]
            if not value:
                return True
            try:
                time.sleep(parse_go_duration(value))
                return True
            except ValueError as error:
                self.error_answer(500, str(error))
                return False

        def echo(self, target):
            # echo-basic's log line, which upstream's mirror tests look for in the pod's logs.
            print("Echoing back request made to %s to client (%s:%d)" % ((target,) + self.client_address[:2]), flush=True)
            body = echo_body(context, http_port, target, self.headers.get("Host", ""), self.command,
                             self.request_version, self.headers.items())
            server_name = getattr(self.connection, "meridian_sni", None)
            if server_name is not None:
                # echo-basic's `tls` assertions on its HTTPS port (8443): the server name the client
                # sent, and the client's certificates as PEM (`peerCertificates`, omitted when none).
                body["tls"] = {"version": self.connection.version(), "serverName": server_name}
                peers = peer_certificates_pem(self.connection)
                if peers:
                    body["tls"]["peerCertificates"] = peers
            extra = echo_set_headers(self.headers.get_all("X-Echo-Set-Header") or [])
            extra["Content-Type"] = "application/json"
            extra["X-Content-Type-Options"] = "nosniff"
            self.answer(200, json.dumps(body, indent=1).encode(), extra)

        def websocket(self):
            key = self.headers.get("Sec-WebSocket-Key", "").strip()
            if not key or self.headers.get("Sec-WebSocket-Version", "").strip() != "13":
                return self.answer(400, b"Bad Request", {})
            accept = base64.b64encode(hashlib.sha1((key + WEBSOCKET_GUID).encode()).digest()).decode()
            print("established websocket connection %s:%d" % self.client_address[:2], flush=True)
            self.send_response_only(101)
            self.send_header("Upgrade", "websocket")
            self.send_header("Connection", "Upgrade")
            self.send_header("Sec-WebSocket-Accept", accept)
            self.end_headers()
            self.wfile.flush()
            self.close_connection = True
            self.connection.settimeout(30)
            try:
                while True:
                    frame = read_websocket_frame(self.rfile)
                    if frame is None:
                        return
                    opcode, payload, final = frame
                    if opcode in (0x0, 0x1, 0x2):  # continuation, text, binary: echoed as they came
                        self.wfile.write(websocket_frame(opcode, payload, final))
                    elif opcode == 0x9:  # ping
                        self.wfile.write(websocket_frame(0xA, payload))
                    elif opcode == 0x8:  # close
                        self.wfile.write(websocket_frame(0x8, payload[:2]))
                        return
                    self.wfile.flush()
            except (OSError, ValueError):
                return

        def error_answer(self, status, message):
            body = json.dumps({"message": message}).encode()
            self.answer(status, body, {"Content-Type": "application/json", "X-Content-Type-Options": "nosniff"})

        def answer(self, status, body, headers):
            self.send_response_only(status)
            self.send_header("Date", self.date_time_string())
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            self.wfile.flush()

        def reset(self):
            """Close the connection with a RST and no answer, as echo-basic's hijack with linger 0."""
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()

        def read_body(self):
            length = self.headers.get("Content-Length")
            if length is not None:
                remaining = int(length)
                while remaining > 0:
                    chunk = self.rfile.read(min(remaining, 65536))
                    if not chunk:
                        break
                    remaining -= len(chunk)
            elif self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                            pass
                        break
                    self.rfile.read(size + 2)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_CONNECT = do_TRACE = handle_any

    return Handler


class TLSServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    """echo-basic's HTTPS port: the handshake runs in the request's thread, so a failed one
    (a client that rejects the certificate) costs only that connection."""
    daemon_threads = True
    tls_context = None

    def finish_request(self, request, client_address):
        try:
            request = self.tls_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        if not hasattr(request, "meridian_sni"):
            request.meridian_sni = ""
        self.RequestHandlerClass(request, client_address, self)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def process_exists(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--namespace", required=True)
    parser.add_argument("--service", required=True)
    parser.add_argument("--pod", required=True)
    parser.add_argument("--port", type=int, action="append", help="a port to listen on (repeatable; 0 picks one)")
    parser.add_argument("--h2c-port", type=int, action="append", default=[],
                        help="a port to listen on for HTTP/2 with prior knowledge (repeatable; 0 picks one)")
    parser.add_argument("--tls-port", type=int, action="append", default=[],
                        help="a port to listen on for HTTPS, echo-basic's 8443 (repeatable; 0 picks one; needs --tls-cert/--tls-key)")
    parser.add_argument("--tls-cert", help="the PEM certificate chain of the TLS port (echo-basic's TLS_SERVER_CERT)")
    parser.add_argument("--tls-key", help="the PEM private key of --tls-cert (echo-basic's TLS_SERVER_PRIVKEY)")
    parser.add_argument("--tls-client-ca", help="PEM CAs a client certificate, when one is given, must chain to "
                        "(echo-basic's TLS_CLIENT_CACERTS: VerifyClientCertIfGiven)")
    parser.add_argument("--http-port", default="3000", help='what "httpPort" says (echo-basic: its HTTP_PORT)')
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--parent-pid", type=int, help="exit when this process is gone (the test run that started it)")
    arguments = parser.parse_args()

    context = {"namespace": arguments.namespace, "service": arguments.service, "pod": arguments.pod}
    handler = make_handler(context, arguments.http_port, RetrySimulation())
    servers = [Server(("127.0.0.1", port), handler) for port in (arguments.port or ([] if arguments.h2c_port else [0]))]

    def h2c_handler_class():
        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                serve_h2c(self.request, self.client_address, context, arguments.http_port)
        return Handler

    servers += [H2CServer(("127.0.0.1", port), h2c_handler_class()) for port in arguments.h2c_port]
    for port in arguments.tls_port:
        # echo-basic's HTTPS listener: the same handler over TLS; the answer reports the SNI in `tls`.
        tls_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls_context.load_cert_chain(arguments.tls_cert, arguments.tls_key)
        if arguments.tls_client_ca:
            # Go's tls.VerifyClientCertIfGiven: a certificate is asked for, checked when given,
            # and a client without one is still served.
            tls_context.verify_mode = ssl.CERT_OPTIONAL
            tls_context.load_verify_locations(cafile=arguments.tls_client_ca)

        def remember_sni(connection, server_name, _context):
            connection.meridian_sni = server_name or ""

        tls_context.sni_callback = remember_sni
        server = TLSServer(("127.0.0.1", port), handler)
        server.tls_context = tls_context
        servers.append(server)
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    ports = "".join("%d\n" % server.server_address[1] for server in servers)
    temporary = arguments.port_file + ".tmp"
    with open(temporary, "w") as handle:
        handle.write(ports)
    os.replace(temporary, arguments.port_file)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.wait(0.5):
        if arguments.parent_pid and not process_exists(arguments.parent_pid):
            break
    for server in servers:
        server.shutdown()
    sys.exit(0)


if __name__ == "__main__":
    main()
