#!/usr/bin/env python3
"""Clients for Meridian's tests of protocols beyond HTTP/1.1 through Envoy: gRPC and WebSocket.

Loopback only; prints one JSON document on stdout.

    protocol-probe.py grpc --port 8080 --calls '[{"method": "/pkg.Svc/M", "count": 10,
                                                  "authority": "grpc.example.com",
                                                  "metadata": {"x-tenant": "acme"}}]'

For each entry, `count` unary calls (raw bytes, no protobuf code) of `method` on a clear-text
HTTP/2 channel (h2c, prior knowledge) to 127.0.0.1:port, with `:authority` `authority` and
the metadata given. The answer is a list, one element per entry:

    {"codes": {"OK": 9, "UNIMPLEMENTED": 1}, "backends": {"a": 9}, "answer": {...}, "details": "..."}

`answer` is the last successful response (grpc-backend.py's JSON), `details` the last error's.

    protocol-probe.py websocket --port 8080 --path /chat --host ws.example.com

Opens a WebSocket (RFC 6455) through the port, sends a text and a binary message and reads
their echoes: {"status": 101, "backend": "a", "acceptValid": true, "text": "...", "binary": [1, 2]}.
A handshake answered otherwise gives {"status": N}.
"""
import argparse
import base64
import hashlib
import json
import os
import socket
import struct
import sys

WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def grpc_calls(port, calls, timeout):
    import grpc

    channels = {}
    results = []
    for call in calls:
        authority = call.get("authority")
        if authority not in channels:
            options = [("grpc.enable_retries", 0)]
            if authority:
                options.append(("grpc.default_authority", authority))
            channels[authority] = grpc.insecure_channel(f"127.0.0.1:{port}", options=options)
        stub = channels[authority].unary_unary(call["method"])
        metadata = tuple((key.lower(), value) for key, value in (call.get("metadata") or {}).items())
        result = {"codes": {}, "backends": {}, "answer": None, "details": None}
        for _ in range(call.get("count", 1)):
            try:
                body = stub(b"", metadata=metadata, timeout=timeout)
                answer = json.loads(body)
                result["codes"]["OK"] = result["codes"].get("OK", 0) + 1
                result["backends"][answer["backend"]] = result["backends"].get(answer["backend"], 0) + 1
                result["answer"] = answer
            except grpc.RpcError as error:
                name = error.code().name
                result["codes"][name] = result["codes"].get(name, 0) + 1
                result["details"] = error.details()
        results.append(result)
    for channel in channels.values():
        channel.close()
    return results


def read_exactly(sock, count):
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise ConnectionError("connection closed")
        data += chunk
    return data


def send_frame(sock, opcode, payload):
    """A final frame, masked as a client must."""
    mask = os.urandom(4)
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
    else:
        header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
    sock.sendall(header + mask + bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload)))


def read_frame(sock):
    first, second = read_exactly(sock, 2)
    length = second & 0x7F
    if length == 126:
        length = struct.unpack("!H", read_exactly(sock, 2))[0]
    elif length == 127:
        length = struct.unpack("!Q", read_exactly(sock, 8))[0]
    return first & 0x0F, read_exactly(sock, length)


def websocket(port, path, host, timeout):
    key = base64.b64encode(os.urandom(16)).decode()
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    request = (f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
    sock.sendall(request.encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(1)
        if not chunk:
            break
        head += chunk
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1]) if lines and len(lines[0].split(" ")) > 1 else 0
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    if status != 101:
        return {"status": status}
    expected = base64.b64encode(hashlib.sha1((key + WEBSOCKET_GUID).encode()).digest()).decode()
    send_frame(sock, 0x1, "Websocket Support!".encode())
    text_opcode, text = read_frame(sock)
    send_frame(sock, 0x2, bytes([1, 2, 3, 4, 5, 6, 7]))
    binary_opcode, binary = read_frame(sock)
    send_frame(sock, 0x8, struct.pack("!H", 1000))
    sock.close()
    return {
        "status": status,
        "backend": headers.get("x-backend"),
        "acceptValid": headers.get("sec-websocket-accept") == expected,
        "text": text.decode() if text_opcode == 0x1 else None,
        "binary": list(binary) if binary_opcode == 0x2 else None,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    grpc_parser = commands.add_parser("grpc")
    grpc_parser.add_argument("--port", type=int, required=True)
    grpc_parser.add_argument("--calls", required=True, help="JSON list of calls")
    grpc_parser.add_argument("--timeout", type=float, default=5)
    ws_parser = commands.add_parser("websocket")
    ws_parser.add_argument("--port", type=int, required=True)
    ws_parser.add_argument("--path", default="/")
    ws_parser.add_argument("--host", default="localhost")
    ws_parser.add_argument("--timeout", type=float, default=5)
    args = parser.parse_args()
    if args.command == "grpc":
        answer = grpc_calls(args.port, json.loads(args.calls), args.timeout)
    else:
        try:
            answer = websocket(args.port, args.path, args.host, args.timeout)
        except (OSError, ConnectionError) as error:
            answer = {"status": 0, "error": str(error)}
    json.dump(answer, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
