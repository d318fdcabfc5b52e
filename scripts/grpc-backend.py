#!/usr/bin/env python3
"""A loopback gRPC backend (h2c, HTTP/2 only) that answers every method with its own name.

Used by Meridian's tests. It binds 127.0.0.1 only and needs grpcio (requirements-test.txt).

    grpc-backend.py --name a --port 0 --port-file /tmp/a.port

Every unary method of every service is served, with no protobuf code: the request bytes
are ignored and the response is a JSON document (as raw bytes):

    {"backend": "a", "method": "/pkg.Service/Method", "metadata": {"x-...": "..."}}

`metadata` holds the request metadata the call arrived with (pseudo-headers and gRPC's own
excepted), so a test sees what a route's RequestHeaderModifier did. A method whose name is
`Fail` answers with status INTERNAL, so a test can tell the backend's own errors from the
proxy's.
"""
import argparse
import json
import os
import signal
import sys
from concurrent import futures

import grpc


class AnyMethod(grpc.GenericRpcHandler):
    """Serves every method as unary-unary with raw bytes in and out."""

    def __init__(self, name):
        self.name = name

    def service(self, handler_call_details):
        method = handler_call_details.method
        metadata = {}
        for key, value in handler_call_details.invocation_metadata:
            if key.startswith(":") or key.startswith("grpc-") or key in ("user-agent", "te", "content-type"):
                continue
            metadata[key] = value if key not in metadata else metadata[key] + "," + value

        def answer(_request, context):
            if method.endswith("/Fail"):
                context.abort(grpc.StatusCode.INTERNAL, "failed on request")
            body = {"backend": self.name, "method": method, "metadata": metadata}
            context.set_trailing_metadata((("x-backend", self.name),))
            return (json.dumps(body) + "\n").encode()

        return grpc.unary_unary_rpc_method_handler(answer)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--name", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", help="write the bound port here once listening")
    args = parser.parse_args()

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16), handlers=[AnyMethod(args.name)])
    port = server.add_insecure_port(f"127.0.0.1:{args.port}")
    server.start()
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(port))
        os.replace(tmp, args.port_file)

    def stop(*_):
        server.stop(grace=0)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    server.wait_for_termination()


if __name__ == "__main__":
    main()
