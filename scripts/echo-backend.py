#!/usr/bin/env python3
"""A loopback stand-in for the Gateway API conformance suite's echo server (echo-basic).

Meridian's conformance tests (Tests/MeridianConformanceTests) start one of these per
Service of the upstream manifests and point the Service's EndpointSlice at it. It binds
127.0.0.1 only.

    echo-backend.py --namespace NS --service SVC --pod POD --port-file FILE [--port 0]... [--parent-pid PID]

Each `--port` is one listening socket (0: the kernel picks); FILE gets the bound ports,
one a line, in the order given. Every socket answers the same way.

Answers, as echo-basic does (conformance/echo-basic/echo-basic.go):

    any path                JSON {"path", "host", "method", "proto", "headers", "httpPort",
                            "namespace", "ingress", "service", "pod"}: path is the request
                            target as sent (with its query), headers the request's headers
                            by canonical name (X-Foo-Bar) without Host, each a list of values;
                            Content-Type application/json, X-Content-Type-Options nosniff.
                            `?delay=D` (a Go duration: 500ms, 1s) answers after D.
    /status/NNN             status NNN, empty body (anything else under /status/: 400)
    /health                 200 OK
    /retry/?uuid=U&succeedAfter=N[&responseCode=S][&delayRetry=D]
                            the first N requests of U fail: answered S, or (no responseCode)
                            the connection is reset; later ones echo
    X-Echo-Set-Header: "Name:value,Name2:value2"
                            those response headers are set on the echo answer

Each echoed request is logged on stdout as echo-basic logs it,
`Echoing back request made to TARGET to client (ADDRESS)`: the conformance tests read
these lines as upstream reads a pod's logs (the mirror tests).

The conformance tests read only these fields; the pod name (`--pod`) starts with the
Service's Deployment name, as a Kubernetes pod's does.
"""
import argparse
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
            headers = {}
            for name, value in self.headers.items():
                if name.lower() == "host":
                    continue
                headers.setdefault(canonical_header_name(name), []).append(value)
            body = {
                "path": target,
                "host": self.headers.get("Host", ""),
                "method": self.command,
                "proto": self.request_version,
                "headers": headers,
                "httpPort": http_port,
                "namespace": context["namespace"],
                "ingress": "",
                "service": context["service"],
                "pod": context["pod"],
            }
            extra = {}
            for header_list in self.headers.get_all("X-Echo-Set-Header") or []:
                for pair in header_list.split(","):
                    name, _, value = pair.strip().partition(":")
                    if not name:
                        continue
                    extra[name] = value if name not in extra else extra[name] + "," + value.strip()
            extra["Content-Type"] = "application/json"
            extra["X-Content-Type-Options"] = "nosniff"
            self.answer(200, json.dumps(body, indent=1).encode(), extra)

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
    parser.add_argument("--http-port", default="3000", help='what "httpPort" says (echo-basic: its HTTP_PORT)')
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--parent-pid", type=int, help="exit when this process is gone (the test run that started it)")
    arguments = parser.parse_args()

    context = {"namespace": arguments.namespace, "service": arguments.service, "pod": arguments.pod}
    handler = make_handler(context, arguments.http_port, RetrySimulation())
    servers = [Server(("127.0.0.1", port), handler) for port in (arguments.port or [0])]
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
