#!/usr/bin/env python3
"""A loopback HTTP backend that speaks only HTTP/2 over clear text, with prior knowledge (h2c).

Used by Meridian's tests. It binds 127.0.0.1 only and needs the pinned `h2` package
(requirements-test.txt). A connection that does not open with the HTTP/2 preface (an
HTTP/1.1 request, say) is closed, so a proxy reaches it only by speaking HTTP/2.

    h2c-backend.py --name a --port 0 --port-file /tmp/a.port

Every request is answered 200 with an `x-backend` header and a JSON body:

    {"backend": "a", "protocol": "HTTP/2", "method": "GET", "path": "/x", "headers": {"x-...": "..."}}
"""
import argparse
import json
import os
import signal
import socket
import sys
import threading

import h2.config
import h2.connection
import h2.events
import h2.exceptions


def serve_connection(sock, name):
    connection = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=False, header_encoding="utf-8"))
    connection.initiate_connection()
    sock.sendall(connection.data_to_send())
    requests = {}
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                return
            try:
                events = connection.receive_data(data)
            except h2.exceptions.ProtocolError:
                # Not HTTP/2 (an HTTP/1.1 request line, say): close, as an h2c-only server does.
                sock.sendall(connection.data_to_send())
                return
            for event in events:
                if isinstance(event, h2.events.RequestReceived):
                    requests[event.stream_id] = dict(event.headers)
                elif isinstance(event, h2.events.DataReceived):
                    connection.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                elif isinstance(event, h2.events.StreamEnded):
                    headers = requests.pop(event.stream_id, {})
                    echoed = {k: v for k, v in headers.items() if k.startswith("x-") and not k.startswith("x-envoy")}
                    body = (json.dumps({"backend": name, "protocol": "HTTP/2", "method": headers.get(":method"),
                                        "path": headers.get(":path"), "headers": echoed}) + "\n").encode()
                    connection.send_headers(event.stream_id, [
                        (":status", "200"), ("content-type", "application/json"),
                        ("content-length", str(len(body))), ("x-backend", name),
                    ])
                    connection.send_data(event.stream_id, body, end_stream=True)
            sock.sendall(connection.data_to_send())
    except OSError:
        return
    finally:
        sock.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--name", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", help="write the bound port here once listening")
    args = parser.parse_args()

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", args.port))
    listener.listen(64)
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(listener.getsockname()[1]))
        os.replace(tmp, args.port_file)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        sock, _ = listener.accept()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=serve_connection, args=(sock, args.name), daemon=True).start()


if __name__ == "__main__":
    main()
