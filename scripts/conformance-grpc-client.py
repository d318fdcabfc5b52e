#!/usr/bin/env python3
"""Unary gRPC calls for the conformance harness: upstream's grpc.DefaultClient, on loopback.

    conformance-grpc-client.py REQUEST_JSON

REQUEST_JSON: {"address": "127.a.b.c", "port": N, "method": "/pkg.Svc/Echo",
"authority": "example.com" or null, "metadata": {"k": "v"}, "count": 3}.
`count` calls on one clear-text HTTP/2 channel, one after another. Prints one JSON line: a
list, per call, {"code": "OK", "answer": {...grpc-echo-backend.py's assertions...}} or
{"code": "UNIMPLEMENTED", "details": "..."}; {"error": "..."} when no call could be made.
Each call is bounded by a 5 second deadline.
"""
import json
import sys

import grpc


def main() -> int:
    spec = json.loads(sys.argv[1])
    options = [("grpc.enable_retries", 0)]
    if spec.get("authority"):
        options.append(("grpc.default_authority", spec["authority"]))
    results = []
    with grpc.insecure_channel(f"{spec['address']}:{spec['port']}", options=options) as channel:
        stub = channel.unary_unary(spec["method"])
        metadata = tuple((k.lower(), v) for k, v in (spec.get("metadata") or {}).items())
        for _ in range(spec.get("count", 1)):
            try:
                body = stub(b"", metadata=metadata, timeout=5)
                results.append({"code": "OK", "answer": json.loads(body)})
            except grpc.RpcError as error:
                results.append({"code": error.code().name, "details": error.details()})
            except ValueError as error:
                results.append({"code": "UNPARSEABLE", "details": str(error)})
    print(json.dumps(results), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
