#!/usr/bin/env python3
"""A loopback stand-in for upstream's gRPC echo pod (echo-basic with GRPC_ECHO_SERVER=1).

    grpc-echo-backend.py --namespace NS --service NAME --pod POD --port 0 --port-file F --parent-pid P

Serves gateway_api_conformance.echo_basic.grpcecho.GrpcEcho's Echo and EchoTwo on 127.0.0.1
(h2c); EchoThree and every other method are UNIMPLEMENTED, as upstream's server leaves them.
The answer carries what upstream's EchoResponse.assertions carry, as JSON bytes (no protobuf
code; the harness's own client reads it): fully_qualified_method, headers (the request's
metadata), authority, and context (namespace, service_name, pod). Each call is logged.
"""
import argparse
import json
import os
import signal
import sys
import threading
import time
from concurrent import futures

import grpc

SERVICE = "gateway_api_conformance.echo_basic.grpcecho.GrpcEcho"


class Echo(grpc.GenericRpcHandler):
    def __init__(self, context):
        self.context = context

    def service(self, details):
        method = details.method
        if method not in (f"/{SERVICE}/Echo", f"/{SERVICE}/EchoTwo"):
            return None
        headers = [{"key": k, "value": v} for k, v in details.invocation_metadata]
        authority = next((v for k, v in details.invocation_metadata if k == ":authority"), "")

        def answer(_request, _context):
            body = {"assertions": {"fully_qualified_method": method, "headers": headers,
                                   "authority": authority, "context": self.context}}
            print(f"Received over plaintext: {method}", flush=True)
            return json.dumps(body).encode()

        return grpc.unary_unary_rpc_method_handler(answer)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--namespace", required=True)
    parser.add_argument("--service", required=True)
    parser.add_argument("--pod", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--parent-pid", type=int)
    args = parser.parse_args()

    context = {"namespace": args.namespace, "ingress": "", "service_name": args.service, "pod": args.pod}
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8), handlers=[Echo(context)])
    port = server.add_insecure_port(f"127.0.0.1:{args.port}")
    server.start()
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(f"{port}\n")
    os.replace(tmp, args.port_file)

    def stop(*_):
        server.stop(grace=0)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    if args.parent_pid:
        def watch():
            while True:
                try:
                    os.kill(args.parent_pid, 0)
                except OSError:
                    os._exit(0)
                time.sleep(1)
        threading.Thread(target=watch, daemon=True).start()
    server.wait_for_termination()


if __name__ == "__main__":
    main()
