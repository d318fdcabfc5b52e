#!/usr/bin/env python3
"""A loopback HTTP backend that answers every request with its own name.

Used by Meridian's tests and the bundled example. It binds 127.0.0.1 only.

    loopback-backend.py --name a --port 0 --port-file /tmp/a.port
"""
import argparse
import http.server
import json
import os
import signal
import sys


def make_handler(name):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Without this every response through Envoy waits ~40 ms for Nagle + delayed ACK.
        disable_nagle_algorithm = True

        def _answer(self):
            length = int(self.headers.get("content-length") or 0)
            if length:
                self.rfile.read(length)
            echoed = {}
            for key in {k.lower() for k in self.headers.keys()}:
                if key.startswith("x-") and not key.startswith("x-envoy"):
                    echoed[key] = ",".join(self.headers.get_all(key))
            body = (json.dumps({"backend": name, "path": self.path, "method": self.command,
                                "host": self.headers.get("host", ""), "headers": echoed}) + "\n").encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("x-backend", name)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _answer

        def log_message(self, *args):
            pass

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--name", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", help="write the bound port here once listening")
    args = parser.parse_args()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(args.name))
    server.daemon_threads = True
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(server.server_address[1]))
        os.replace(tmp, args.port_file)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server.serve_forever()


if __name__ == "__main__":
    main()
