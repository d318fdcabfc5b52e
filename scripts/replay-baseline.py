#!/usr/bin/env python3
"""The grpcio baseline: an ADS server that replays captured DiscoveryResponse bytes.

The issue's original baseline, beside `meridian-load baseline` (the same replay on
Meridian's own transport). Reads DIR/0, DIR/1, ... as written by `meridian-load capture`;
each stream's first request for a type (no nonce) gets the current set's response,
ACKs get nothing, SIGHUP switches to the next set and pushes every subscribed type whose
bytes changed. Prints `xDS listening on 127.0.0.1:<port>`. Loopback only.

    scripts/replay-baseline.py --capture DIR [--port 0]
"""
import argparse
import asyncio
import os
import signal
import sys

import grpc
from envoy.service.discovery.v3 import discovery_pb2

TYPES = {
    "cds": "type.googleapis.com/envoy.config.cluster.v3.Cluster",
    "eds": "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment",
    "lds": "type.googleapis.com/envoy.config.listener.v3.Listener",
    "rds": "type.googleapis.com/envoy.config.route.v3.RouteConfiguration",
}


def load(directory):
    sets = []
    while os.path.isdir(os.path.join(directory, str(len(sets)))):
        base = os.path.join(directory, str(len(sets)))
        sets.append({url: open(os.path.join(base, f"{short}.pb"), "rb").read()
                     for short, url in TYPES.items() if os.path.exists(os.path.join(base, f"{short}.pb"))})
    if not sets:
        raise SystemExit(f"no captured responses in {directory}")
    return sets


async def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--capture", required=True)
    parser.add_argument("--port", type=int, default=0)
    options = parser.parse_args()
    sets = load(options.capture)
    state = {"current": 0}
    streams = set()

    async def aggregated(request_iterator, context):
        events = asyncio.Queue()
        streams.add(events)

        async def read():
            async for request in request_iterator:
                await events.put(("request", request))
            await events.put(None)

        reader = asyncio.ensure_future(read())
        subscribed = set()
        try:
            while True:
                event = await events.get()
                if event is None:
                    return
                if event[0] == "request":
                    request = discovery_pb2.DiscoveryRequest.FromString(event[1])
                    # No nonce: a subscription; with one: an ACK or NACK, not answered.
                    if request.response_nonce or request.type_url in subscribed:
                        continue
                    response = sets[state["current"]].get(request.type_url)
                    if response is None:
                        continue
                    subscribed.add(request.type_url)
                    await context.write(response)
                else:
                    _, before, after = event
                    for url in TYPES.values():
                        if url in subscribed and sets[after].get(url) != sets[before].get(url) and url in sets[after]:
                            await context.write(sets[after][url])
        finally:
            streams.discard(events)
            reader.cancel()

    def advance():
        before = state["current"]
        state["current"] = (before + 1) % len(sets)
        for events in list(streams):
            events.put_nowait(("push", before, state["current"]))

    server = grpc.aio.server(options=[("grpc.max_send_message_length", -1), ("grpc.max_receive_message_length", 16 << 20)])
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(
        "envoy.service.discovery.v3.AggregatedDiscoveryService",
        {"StreamAggregatedResources": grpc.stream_stream_rpc_method_handler(aggregated)}),))
    port = server.add_insecure_port(f"127.0.0.1:{options.port}")
    await server.start()
    asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, advance)
    print(f"xDS listening on 127.0.0.1:{port}", flush=True)
    await server.wait_for_termination()


if __name__ == "__main__":
    asyncio.run(main())
