"""Schema conformance: proto/ must be wire-identical to upstream Envoy.

Our hand-written .proto files under proto/ are a *subset* of Envoy's v3 API.
Every message, field, enum value and service method they declare must match
the upstream descriptor shipped in the `xds-protos` wheel (see
requirements-test.txt): same full names, field numbers, types, labels,
referenced type names, map-ness and oneof membership, so that bytes produced
by protobuf-c from our schema decode correctly in Envoy and vice versa.

Run from the repository root:

    python -m pytest Tests/SchemaConformance -q
"""

from __future__ import annotations

import copy
import importlib
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from google.protobuf import descriptor_pb2

REPO_ROOT = Path(__file__).resolve().parents[2]
PROTO_DIR = REPO_ROOT / "proto"
WKT_INCLUDE = Path(os.environ.get("WKT_INCLUDE", "/usr/include"))
PROTOC = os.environ.get("PROTOC", "protoc")

FDP = descriptor_pb2.FieldDescriptorProto
TYPE_NAMES = {v: k[len("TYPE_"):].lower() for k, v in FDP.Type.items()}
LABEL_NAMES = {v: k[len("LABEL_"):].lower() for k, v in FDP.Label.items()}

# Fields that are deprecated upstream but deliberately kept in proto/ (they are
# still honoured by Envoy). Any other deprecated upstream field must be dropped.
DEPRECATED_FIELDS_KEPT = {
    "envoy.config.cluster.v3.Cluster.dns_refresh_rate",
    "envoy.config.cluster.v3.Cluster.respect_dns_ttl",
    "envoy.extensions.filters.http.router.v3.Router.start_child_span",
}


def our_proto_files() -> list[str]:
    """Paths (relative to proto/) of our .proto files, excluding google/protobuf."""
    files = sorted(
        p.relative_to(PROTO_DIR).as_posix() for p in PROTO_DIR.rglob("*.proto")
    )
    return [f for f in files if not f.startswith("google/protobuf/")]


def upstream_module_name(proto_path: str) -> str:
    """envoy/config/listener/v3/listener.proto -> envoy.config.listener.v3.listener_pb2"""
    assert proto_path.endswith(".proto"), proto_path
    return proto_path[: -len(".proto")].replace("/", ".") + "_pb2"


def upstream_file(proto_path: str) -> descriptor_pb2.FileDescriptorProto:
    module = importlib.import_module(upstream_module_name(proto_path))
    return descriptor_pb2.FileDescriptorProto.FromString(module.DESCRIPTOR.serialized_pb)


# --------------------------------------------------------------------------
# The comparison
# --------------------------------------------------------------------------


@dataclass
class Report:
    mismatches: list[str] = field(default_factory=list)
    messages: int = 0
    fields: int = 0
    enums: int = 0
    enum_values: int = 0
    methods: int = 0

    def add(self, element: str, what: str) -> None:
        self.mismatches.append(f"{element}: {what}")


def _index_messages(prefix: str, messages, out: dict) -> None:
    for m in messages:
        full = f"{prefix}.{m.name}" if prefix else m.name
        out[full] = m
        _index_messages(full, m.nested_type, out)


def _index_enums(prefix: str, messages, enums, out: dict) -> None:
    for e in enums:
        out[f"{prefix}.{e.name}" if prefix else e.name] = e
    for m in messages:
        full = f"{prefix}.{m.name}" if prefix else m.name
        _index_enums(full, m.nested_type, m.enum_type, out)


def _is_map(msg: descriptor_pb2.DescriptorProto, f: descriptor_pb2.FieldDescriptorProto,
            msg_full_name: str) -> bool:
    if f.type != FDP.TYPE_MESSAGE or f.label != FDP.LABEL_REPEATED:
        return False
    for nested in msg.nested_type:
        if nested.options.map_entry and f.type_name == f".{msg_full_name}.{nested.name}":
            return True
    return False


def _oneof_name(msg: descriptor_pb2.DescriptorProto, f: descriptor_pb2.FieldDescriptorProto):
    if not f.HasField("oneof_index"):
        return None
    return msg.oneof_decl[f.oneof_index].name


def _compare_field(full: str, ours_msg, ours_f, up_msg, up_f, msg_full: str, r: Report) -> None:
    if ours_f.number != up_f.number:
        r.add(full, f"number {ours_f.number} != upstream {up_f.number}")
    if ours_f.type != up_f.type:
        r.add(full, f"type {TYPE_NAMES[ours_f.type]} != upstream {TYPE_NAMES[up_f.type]}")
    if ours_f.label != up_f.label:
        r.add(full, f"label {LABEL_NAMES[ours_f.label]} != upstream {LABEL_NAMES[up_f.label]}")
    if ours_f.type in (FDP.TYPE_MESSAGE, FDP.TYPE_ENUM) or up_f.type in (FDP.TYPE_MESSAGE, FDP.TYPE_ENUM):
        if ours_f.type_name != up_f.type_name:
            r.add(full, f"type_name {ours_f.type_name or '-'} != upstream {up_f.type_name or '-'}")
    ours_map = _is_map(ours_msg, ours_f, msg_full)
    up_map = _is_map(up_msg, up_f, msg_full)
    if ours_map != up_map:
        r.add(full, f"map {ours_map} != upstream {up_map}")
    ours_oneof, up_oneof = _oneof_name(ours_msg, ours_f), _oneof_name(up_msg, up_f)
    if ours_f.proto3_optional:
        # proto3 `optional` is a synthetic oneof; protoc-c 1.4 rejects it anyway.
        r.add(full, "uses proto3 `optional` (rejected by protoc-c; upstream has no such field)")
    elif ours_oneof != up_oneof:
        r.add(full, f"oneof {ours_oneof or '(none)'} != upstream {up_oneof or '(none)'}")
    if ours_f.options.HasField("packed") or up_f.options.HasField("packed"):
        ours_packed = ours_f.options.packed if ours_f.options.HasField("packed") else None
        up_packed = up_f.options.packed if up_f.options.HasField("packed") else None
        if ours_packed != up_packed:
            r.add(full, f"packed {ours_packed} != upstream {up_packed}")


def _compare_message(msg_full: str, ours, up, r: Report) -> None:
    r.messages += 1
    up_fields = {f.name: f for f in up.field}
    up_by_number = {f.number: f for f in up.field}
    for f in ours.field:
        full = f"{msg_full}.{f.name}"
        r.fields += 1
        up_f = up_fields.get(f.name)
        if up_f is None:
            clash = up_by_number.get(f.number)
            hint = f" (upstream uses number {f.number} for '{clash.name}')" if clash else ""
            r.add(full, f"field does not exist upstream{hint}")
            continue
        _compare_field(full, ours, f, up, up_f, msg_full, r)


def _compare_enum(enum_full: str, ours, up, r: Report) -> None:
    r.enums += 1
    up_values = {v.name: v for v in up.value}
    for v in ours.value:
        r.enum_values += 1
        full = f"{enum_full}.{v.name}"
        up_v = up_values.get(v.name)
        if up_v is None:
            r.add(full, "enum value does not exist upstream")
        elif v.number != up_v.number:
            r.add(full, f"number {v.number} != upstream {up_v.number}")


def _compare_services(package: str, ours_file, up_file, r: Report) -> None:
    up_services = {s.name: s for s in up_file.service}
    for s in ours_file.service:
        s_full = f"{package}.{s.name}"
        up_s = up_services.get(s.name)
        if up_s is None:
            r.add(s_full, "service does not exist upstream")
            continue
        up_methods = {m.name: m for m in up_s.method}
        ours_methods = {m.name for m in s.method}
        for missing in sorted(set(up_methods) - ours_methods):
            r.add(f"{s_full}.{missing}", "method missing (present upstream)")
        for m in s.method:
            r.methods += 1
            m_full = f"{s_full}.{m.name}"
            up_m = up_methods.get(m.name)
            if up_m is None:
                r.add(m_full, "method does not exist upstream")
                continue
            for attr in ("input_type", "output_type", "client_streaming", "server_streaming"):
                a, b = getattr(m, attr), getattr(up_m, attr)
                if a != b:
                    r.add(m_full, f"{attr} {a} != upstream {b}")


def compare_files(ours: descriptor_pb2.FileDescriptorProto,
                  upstream: descriptor_pb2.FileDescriptorProto) -> Report:
    """Compare one of our compiled files against the upstream file of the same path."""
    r = Report()
    if ours.package != upstream.package:
        r.add(ours.name, f"package {ours.package} != upstream {upstream.package}")
    if ours.syntax != upstream.syntax:
        r.add(ours.name, f"syntax {ours.syntax or 'proto2'} != upstream {upstream.syntax or 'proto2'}")

    # Index upstream by full name (using *our* package so that a package
    # mismatch shows up once above rather than on every element).
    pkg = ours.package
    up_msgs: dict = {}
    _index_messages(upstream.package, upstream.message_type, up_msgs)
    up_enums: dict = {}
    _index_enums(upstream.package, upstream.message_type, upstream.enum_type, up_enums)
    ours_msgs: dict = {}
    _index_messages(pkg, ours.message_type, ours_msgs)
    ours_enums: dict = {}
    _index_enums(pkg, ours.message_type, ours.enum_type, ours_enums)

    for full, msg in ours_msgs.items():
        up = up_msgs.get(full)
        if up is None:
            r.add(full, f"message does not exist upstream in {upstream.name}")
            continue
        if msg.options.map_entry != up.options.map_entry:
            r.add(full, f"map_entry {msg.options.map_entry} != upstream {up.options.map_entry}")
        _compare_message(full, msg, up, r)

    for full, enum in ours_enums.items():
        up = up_enums.get(full)
        if up is None:
            r.add(full, f"enum does not exist upstream in {upstream.name}")
            continue
        _compare_enum(full, enum, up, r)

    _compare_services(pkg, ours, upstream, r)
    return r


def deprecated_fields_used(ours: descriptor_pb2.FileDescriptorProto,
                           upstream: descriptor_pb2.FileDescriptorProto) -> list[str]:
    """Full names of fields we declare that upstream marks deprecated."""
    up_msgs: dict = {}
    _index_messages(upstream.package, upstream.message_type, up_msgs)
    ours_msgs: dict = {}
    _index_messages(ours.package, ours.message_type, ours_msgs)
    found = []
    for full, msg in ours_msgs.items():
        up = up_msgs.get(full)
        if up is None:
            continue
        up_fields = {f.name: f for f in up.field}
        for f in msg.field:
            up_f = up_fields.get(f.name)
            if up_f is not None and up_f.options.deprecated:
                found.append(f"{full}.{f.name}")
    return found


# --------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def compiled(tmp_path_factory) -> dict[str, descriptor_pb2.FileDescriptorProto]:
    """Compile proto/ with protoc and return {file name: FileDescriptorProto}."""
    if shutil.which(PROTOC) is None:
        pytest.fail(f"protoc not found (looked for {PROTOC!r}); apt-get install protobuf-compiler")
    out = tmp_path_factory.mktemp("descriptors") / "proto.pb"
    cmd = [
        PROTOC,
        "--include_imports",
        f"--descriptor_set_out={out}",
        f"-I{PROTO_DIR}",
        f"-I{WKT_INCLUDE}",
        *our_proto_files(),
    ]
    proc = subprocess.run(cmd, cwd=PROTO_DIR, capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.fail(f"protoc failed:\n{' '.join(cmd)}\n{proc.stderr}")
    fds = descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes())
    return {f.name: f for f in fds.file}


# --------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------

PROTO_FILES = our_proto_files()


def test_proto_dir_is_not_empty():
    assert PROTO_FILES, f"no .proto files found under {PROTO_DIR}"


@pytest.mark.parametrize("proto_file", PROTO_FILES)
def test_matches_upstream(compiled, proto_file):
    ours = compiled[proto_file]
    upstream = upstream_file(proto_file)
    report = compare_files(ours, upstream)
    assert report.messages + report.enums + report.methods > 0, (
        f"{proto_file} declares nothing to check"
    )
    if report.mismatches:
        pytest.fail(
            f"{proto_file} differs from upstream {upstream.name} "
            f"({len(report.mismatches)} mismatch(es)):\n  " + "\n  ".join(report.mismatches),
            pytrace=False,
        )


@pytest.mark.parametrize("proto_file", PROTO_FILES)
def test_no_unexpected_deprecated_fields(compiled, proto_file):
    used = deprecated_fields_used(compiled[proto_file], upstream_file(proto_file))
    unexpected = sorted(set(used) - DEPRECATED_FIELDS_KEPT)
    assert not unexpected, (
        "fields deprecated upstream must be dropped from proto/ "
        "(or added to DEPRECATED_FIELDS_KEPT with a reason):\n  " + "\n  ".join(unexpected)
    )


def test_every_file_comes_from_xds_protos():
    """Each proto/ file maps to an importable upstream module (guards typos in paths)."""
    missing = []
    for f in PROTO_FILES:
        try:
            importlib.import_module(upstream_module_name(f))
        except ImportError as e:
            missing.append(f"{f}: {e}")
    assert not missing, "no upstream descriptor for:\n  " + "\n  ".join(missing)


def test_coverage_summary(compiled, capsys):
    totals = Report()
    for f in PROTO_FILES:
        r = compare_files(compiled[f], upstream_file(f))
        for attr in ("messages", "fields", "enums", "enum_values", "methods"):
            setattr(totals, attr, getattr(totals, attr) + getattr(r, attr))
    with capsys.disabled():
        print(
            f"\n[schema] {len(PROTO_FILES)} files, {totals.messages} messages, "
            f"{totals.fields} fields, {totals.enums} enums, {totals.enum_values} enum values, "
            f"{totals.methods} service methods checked against xds-protos"
        )
    assert totals.fields > 0


# --- what the encoder emits must be declared, and declared as upstream -----

# Every field Meridian's resilience encoding sets (Sources/MeridianEncode), by full
# name. Each must exist in proto/ and match upstream exactly; dropping one from
# proto/ (or renumbering it) fails here even if the file still compiles.
EMITTED_RESILIENCE_FIELDS = [
    # RouteAction: timeouts, retries, hash policies; Route: per-filter configs.
    "envoy.config.route.v3.Route.typed_per_filter_config",
    "envoy.config.route.v3.RouteAction.timeout",
    "envoy.config.route.v3.RouteAction.idle_timeout",
    "envoy.config.route.v3.RouteAction.retry_policy",
    "envoy.config.route.v3.RouteAction.hash_policy",
    "envoy.config.route.v3.RetryPolicy.retry_on",
    "envoy.config.route.v3.RetryPolicy.num_retries",
    "envoy.config.route.v3.RetryPolicy.per_try_timeout",
    "envoy.config.route.v3.RetryPolicy.retry_back_off",
    "envoy.config.route.v3.RetryPolicy.retriable_status_codes",
    "envoy.config.route.v3.RetryPolicy.RetryBackOff.base_interval",
    "envoy.config.route.v3.RetryPolicy.RetryBackOff.max_interval",
    "envoy.config.route.v3.RouteAction.HashPolicy.header",
    "envoy.config.route.v3.RouteAction.HashPolicy.cookie",
    "envoy.config.route.v3.RouteAction.HashPolicy.connection_properties",
    "envoy.config.route.v3.RouteAction.HashPolicy.terminal",
    "envoy.config.route.v3.RouteAction.HashPolicy.Header.header_name",
    "envoy.config.route.v3.RouteAction.HashPolicy.Cookie.name",
    "envoy.config.route.v3.RouteAction.HashPolicy.Cookie.ttl",
    "envoy.config.route.v3.RouteAction.HashPolicy.Cookie.path",
    "envoy.config.route.v3.RouteAction.HashPolicy.ConnectionProperties.source_ip",
    "envoy.config.route.v3.RateLimit.actions",
    "envoy.config.route.v3.RateLimit.Action.request_headers",
    "envoy.config.route.v3.RateLimit.Action.RequestHeaders.header_name",
    "envoy.config.route.v3.RateLimit.Action.RequestHeaders.descriptor_key",
    "envoy.config.route.v3.RateLimit.Action.RequestHeaders.skip_if_absent",
    # Local rate limit, per listener and per route.
    "envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit.stat_prefix",
    "envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit.status",
    "envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit.token_bucket",
    "envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit.filter_enabled",
    "envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit.filter_enforced",
    "envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit.response_headers_to_add",
    "envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit.descriptors",
    "envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit.always_consume_default_token_bucket",
    "envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit.rate_limits",
    "envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit.max_dynamic_descriptors",
    "envoy.extensions.common.ratelimit.v3.LocalRateLimitDescriptor.entries",
    "envoy.extensions.common.ratelimit.v3.LocalRateLimitDescriptor.token_bucket",
    "envoy.extensions.common.ratelimit.v3.RateLimitDescriptor.Entry.key",
    "envoy.extensions.common.ratelimit.v3.RateLimitDescriptor.Entry.value",
    "envoy.type.v3.HttpStatus.code",
    "envoy.type.v3.TokenBucket.max_tokens",
    "envoy.type.v3.TokenBucket.tokens_per_fill",
    "envoy.type.v3.TokenBucket.fill_interval",
    # Stateful sessions.
    "envoy.extensions.filters.http.stateful_session.v3.StatefulSession.session_state",
    "envoy.extensions.filters.http.stateful_session.v3.StatefulSessionPerRoute.stateful_session",
    "envoy.extensions.http.stateful_session.cookie.v3.CookieBasedSessionState.cookie",
    "envoy.extensions.http.stateful_session.header.v3.HeaderBasedSessionState.name",
    "envoy.type.http.v3.Cookie.name",
    "envoy.type.http.v3.Cookie.ttl",
    "envoy.type.http.v3.Cookie.path",
    "envoy.config.core.v3.TypedExtensionConfig.name",
    "envoy.config.core.v3.TypedExtensionConfig.typed_config",
    # Clusters: load balancing, circuit breakers, outlier detection, health checks,
    # upstream HTTP options.
    "envoy.config.cluster.v3.Cluster.lb_policy",
    "envoy.config.cluster.v3.Cluster.least_request_lb_config",
    "envoy.config.cluster.v3.Cluster.ring_hash_lb_config",
    "envoy.config.cluster.v3.Cluster.maglev_lb_config",
    "envoy.config.cluster.v3.Cluster.LeastRequestLbConfig.choice_count",
    "envoy.config.cluster.v3.Cluster.RingHashLbConfig.minimum_ring_size",
    "envoy.config.cluster.v3.Cluster.RingHashLbConfig.maximum_ring_size",
    "envoy.config.cluster.v3.Cluster.MaglevLbConfig.table_size",
    "envoy.config.cluster.v3.Cluster.circuit_breakers",
    "envoy.config.cluster.v3.CircuitBreakers.thresholds",
    "envoy.config.cluster.v3.CircuitBreakers.Thresholds.priority",
    "envoy.config.cluster.v3.CircuitBreakers.Thresholds.max_connections",
    "envoy.config.cluster.v3.CircuitBreakers.Thresholds.max_pending_requests",
    "envoy.config.cluster.v3.CircuitBreakers.Thresholds.max_requests",
    "envoy.config.cluster.v3.CircuitBreakers.Thresholds.max_retries",
    "envoy.config.cluster.v3.Cluster.outlier_detection",
    "envoy.config.cluster.v3.OutlierDetection.consecutive_5xx",
    "envoy.config.cluster.v3.OutlierDetection.consecutive_gateway_failure",
    "envoy.config.cluster.v3.OutlierDetection.interval",
    "envoy.config.cluster.v3.OutlierDetection.base_ejection_time",
    "envoy.config.cluster.v3.OutlierDetection.max_ejection_percent",
    "envoy.config.cluster.v3.Cluster.health_checks",
    "envoy.config.core.v3.HealthCheck.timeout",
    "envoy.config.core.v3.HealthCheck.interval",
    "envoy.config.core.v3.HealthCheck.no_traffic_interval",
    "envoy.config.core.v3.HealthCheck.unhealthy_threshold",
    "envoy.config.core.v3.HealthCheck.healthy_threshold",
    "envoy.config.core.v3.HealthCheck.http_health_check",
    "envoy.config.core.v3.HealthCheck.grpc_health_check",
    "envoy.config.core.v3.HealthCheck.HttpHealthCheck.path",
    "envoy.config.core.v3.HealthCheck.HttpHealthCheck.host",
    "envoy.config.core.v3.HealthCheck.HttpHealthCheck.expected_statuses",
    "envoy.config.core.v3.HealthCheck.GrpcHealthCheck.service_name",
    "envoy.config.core.v3.HealthCheck.GrpcHealthCheck.authority",
    "envoy.type.v3.Int64Range.start",
    "envoy.type.v3.Int64Range.end",
    "envoy.config.cluster.v3.Cluster.typed_extension_protocol_options",
    "envoy.extensions.upstreams.http.v3.HttpProtocolOptions.common_http_protocol_options",
    "envoy.extensions.upstreams.http.v3.HttpProtocolOptions.explicit_http_config",
    "envoy.extensions.upstreams.http.v3.HttpProtocolOptions.ExplicitHttpConfig.http_protocol_options",
    "envoy.extensions.upstreams.http.v3.HttpProtocolOptions.ExplicitHttpConfig.http2_protocol_options",
    "envoy.config.core.v3.HttpProtocolOptions.idle_timeout",
    "envoy.config.core.v3.HttpProtocolOptions.max_connection_duration",
    "envoy.config.core.v3.HttpProtocolOptions.max_headers_count",
    "envoy.config.core.v3.HttpProtocolOptions.max_requests_per_connection",
    "envoy.config.core.v3.Http2ProtocolOptions.max_concurrent_streams",
    "envoy.config.core.v3.Http2ProtocolOptions.initial_stream_window_size",
    "envoy.config.core.v3.Http2ProtocolOptions.initial_connection_window_size",
    # HTTPS listeners: SNI filter chains, TLS inspector, TLS with SDS certificates over ADS.
    "envoy.config.listener.v3.Listener.listener_filters",
    "envoy.config.listener.v3.ListenerFilter.name",
    "envoy.config.listener.v3.ListenerFilter.typed_config",
    "envoy.config.listener.v3.FilterChain.filter_chain_match",
    "envoy.config.listener.v3.FilterChain.transport_socket",
    "envoy.config.listener.v3.FilterChain.name",
    "envoy.config.listener.v3.FilterChainMatch.server_names",
    "envoy.config.core.v3.TransportSocket.name",
    "envoy.config.core.v3.TransportSocket.typed_config",
    "envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext.common_tls_context",
    "envoy.extensions.transport_sockets.tls.v3.CommonTlsContext.tls_certificate_sds_secret_configs",
    "envoy.extensions.transport_sockets.tls.v3.CommonTlsContext.alpn_protocols",
    "envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig.name",
    "envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig.sds_config",
    "envoy.extensions.transport_sockets.tls.v3.Secret.name",
    "envoy.extensions.transport_sockets.tls.v3.Secret.tls_certificate",
    "envoy.extensions.transport_sockets.tls.v3.TlsCertificate.certificate_chain",
    "envoy.extensions.transport_sockets.tls.v3.TlsCertificate.private_key",
    "envoy.config.core.v3.DataSource.inline_bytes",
    # Endpoints: one locality per priority.
    "envoy.config.endpoint.v3.ClusterLoadAssignment.endpoints",
    "envoy.config.endpoint.v3.LocalityLbEndpoints.lb_endpoints",
    "envoy.config.endpoint.v3.LocalityLbEndpoints.priority",
    "envoy.config.endpoint.v3.LbEndpoint.health_status",
]


def _all_messages(files) -> dict:
    out: dict = {}
    for f in files:
        _index_messages(f.package, f.message_type, out)
    return out


@pytest.mark.parametrize("field_name", EMITTED_RESILIENCE_FIELDS)
def test_emitted_field_is_declared_as_upstream(compiled, field_name):
    message_name, _, name = field_name.rpartition(".")
    ours = _all_messages(f for path, f in compiled.items() if path in PROTO_FILES)
    msg = ours.get(message_name)
    assert msg is not None, f"{message_name} is not declared in proto/"
    ours_f = next((f for f in msg.field if f.name == name), None)
    assert ours_f is not None, f"{field_name} is not declared in proto/"
    proto_file = next(path for path, f in compiled.items()
                      if path in PROTO_FILES and message_name in _all_messages([f]))
    up_msg = _all_messages([upstream_file(proto_file)]).get(message_name)
    assert up_msg is not None, f"{message_name} does not exist upstream in {proto_file}"
    up_f = next((f for f in up_msg.field if f.name == name), None)
    assert up_f is not None, f"{field_name} does not exist upstream"
    report = Report()
    _compare_field(field_name, msg, ours_f, up_msg, up_f, message_name, report)
    assert not report.mismatches, report.mismatches
    assert not up_f.options.deprecated, f"{field_name} is deprecated upstream"


# --- the checker itself must be able to fail ------------------------------


def _find_message(file: descriptor_pb2.FileDescriptorProto, dotted: str):
    """dotted is relative to the package, e.g. 'RouteAction.HashPolicy'."""
    parts = dotted.split(".")
    candidates = file.message_type
    msg = None
    for p in parts:
        msg = next(m for m in candidates if m.name == p)
        candidates = msg.nested_type
    return msg


def _field(msg, name):
    return next(f for f in msg.field if f.name == name)


def _mutate_number(f):
    f.number = 999


def _mutate_label(f):
    f.label = FDP.LABEL_REPEATED


def _mutate_type_name(f):
    f.type_name = ".google.protobuf.Any"


def _mutate_oneof(f):
    f.ClearField("oneof_index")


@pytest.mark.parametrize(
    "file_name, message, field_name, mutate, expected",
    [
        ("envoy/config/route/v3/route_components.proto", "RouteAction", "timeout",
         _mutate_number, "envoy.config.route.v3.RouteAction.timeout: number 999 != upstream 8"),
        ("envoy/config/listener/v3/listener.proto", "Listener", "name",
         _mutate_label, "envoy.config.listener.v3.Listener.name: label repeated != upstream optional"),
        ("envoy/config/cluster/v3/cluster.proto", "Cluster", "load_assignment",
         _mutate_type_name,
         "envoy.config.cluster.v3.Cluster.load_assignment: type_name .google.protobuf.Any "
         "!= upstream .envoy.config.endpoint.v3.ClusterLoadAssignment"),
        ("envoy/config/route/v3/route_components.proto", "RouteAction", "cluster",
         _mutate_oneof,
         "envoy.config.route.v3.RouteAction.cluster: oneof (none) != upstream cluster_specifier"),
    ],
    ids=["number", "label", "type_name", "oneof"],
)
def test_checker_detects_field_mutation(compiled, file_name, message, field_name, mutate, expected):
    upstream = upstream_file(file_name)
    pristine = compiled[file_name]
    assert compare_files(pristine, upstream).mismatches == []

    mutated = copy.deepcopy(pristine)
    mutate(_field(_find_message(mutated, message), field_name))
    report = compare_files(mutated, upstream)
    assert expected in report.mismatches, report.mismatches
    assert pristine != mutated  # the session fixture itself was not touched


def test_checker_detects_enum_service_and_package_mutations(compiled):
    name = "envoy/service/discovery/v3/ads.proto"
    mutated = copy.deepcopy(compiled[name])
    mutated.service[0].method[0].server_streaming = False
    mutated.package = "envoy.service.discovery.v2"
    mismatches = compare_files(mutated, upstream_file(name)).mismatches
    assert ("envoy/service/discovery/v3/ads.proto: package envoy.service.discovery.v2 "
            "!= upstream envoy.service.discovery.v3") in mismatches, mismatches
    assert ("envoy.service.discovery.v2.AggregatedDiscoveryService.StreamAggregatedResources: "
            "server_streaming False != upstream True") in mismatches, mismatches

    name = "envoy/config/core/v3/base.proto"
    mutated = copy.deepcopy(compiled[name])
    enum = next(e for e in mutated.enum_type if e.name == "RoutingPriority")
    next(v for v in enum.value if v.name == "HIGH").number = 7
    extra = mutated.message_type.add(name="NotInEnvoy")
    extra.field.add(name="x", number=1, type=FDP.TYPE_STRING, label=FDP.LABEL_OPTIONAL)
    mismatches = compare_files(mutated, upstream_file(name)).mismatches
    assert "envoy.config.core.v3.RoutingPriority.HIGH: number 7 != upstream 1" in mismatches
    assert any(m.startswith("envoy.config.core.v3.NotInEnvoy: message does not exist upstream")
               for m in mismatches), mismatches
