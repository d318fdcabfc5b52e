// swift-tools-version:6.0
import PackageDescription

// Layers, each its own module, data flowing one way:
//   load -> translate -> encode -> serve
// C interop lives in small modules of its own (CGRPCCore, CEnvoyAPI,
// COpenSSL, CRE2) and in the Swift modules that wrap them (GRPCCoreTransport,
// EnvoyAPI, ContentDigest, TLSCertificates, RegexCheck); no other module touches raw pointers.
let package = Package(
    name: "Meridian",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "meridian", targets: ["MeridianCLI"]),
        // Envoy-like ADS clients by the thousand, and a replay baseline: scripts/benchmark-xds.
        .executable(name: "meridian-load", targets: ["MeridianLoadGenerator"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // Operations (issue 8): the admin HTTP server, graceful lifecycle, metrics.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // Already brought in by Hummingbird; `meridian snapshots` talks HTTP/1.1 with it.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.81.0"),
        // Already brought in by Hummingbird; AsyncChannel hands events to an xDS stream's loop one at a time.
        .package(url: "https://github.com/apple/swift-async-algorithms", from: "1.0.0"),
        // The Kubernetes source (issue 11): list and watch over HTTPS with a well-kept client.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        // Already brought in by AsyncHTTPClient: the API server's CA and client certificates.
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        // C interop.
        .target(name: "CGRPCCore", path: "Sources/CGRPCCore"),
        .target(
            name: "CEnvoyAPI",
            path: "generated",
            publicHeadersPath: ".",
            cSettings: [.headerSearchPath(".")]
        ),
        .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL"),
        .systemLibrary(name: "CYAML", path: "Sources/CYAML"),
        // RE2 is C++: one extern "C" function compiles a pattern as Envoy does.
        .target(name: "CRE2", path: "Sources/CRE2", linkerSettings: [.linkedLibrary("re2")]),
        // libFuzzer's entry point, declared for the fuzzer below (defined by `-sanitize=fuzzer`).
        .systemLibrary(name: "CLibFuzzer", path: "Sources/CLibFuzzer"),

        // Swift wrappers over the C libraries.
        // TLSCertificates checks the xDS port's PEM files before gRPC core is given them.
        .target(name: "GRPCCoreTransport", dependencies: ["CGRPCCore", "TLSCertificates"]),
        .target(name: "EnvoyAPI", dependencies: ["CEnvoyAPI", "ContentDigest"]),
        .target(name: "ContentDigest", dependencies: ["COpenSSL"]),
        // PEM certificates and keys checked (and, for tests, made) with OpenSSL.
        .target(name: "TLSCertificates", dependencies: ["COpenSSL"]),
        .target(name: "RegexCheck", dependencies: ["CRE2"]),

        // The layers.
        .target(name: "MeridianLoad", dependencies: ["CYAML", "RegexCheck", "ContentDigest"]),
        .target(name: "MeridianIR"),
        .target(name: "MeridianTranslate", dependencies: ["MeridianLoad", "MeridianIR", "TLSCertificates"]),
        // The Kubernetes source: list and watch of the API server's collections.
        .target(name: "MeridianKubernetes", dependencies: [
            "MeridianLoad",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
        ]),
        // `meridian explain`: Envoy's routing decision for one request, on the translated IR.
        .target(name: "MeridianExplain", dependencies: ["MeridianLoad", "MeridianTranslate", "MeridianIR", "RegexCheck"]),
        .target(name: "MeridianEncode", dependencies: ["MeridianIR", "EnvoyAPI", "CEnvoyAPI", "ContentDigest"]),
        .target(
            name: "MeridianServe",
            dependencies: [
                "GRPCCoreTransport", "EnvoyAPI", "ContentDigest",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
            ]
        ),
        // Every snapshot that was served, kept on disk (--state-dir): diffs, pin and rollback.
        .target(
            name: "MeridianHistory",
            dependencies: [
                "MeridianServe", "MeridianLoad", "EnvoyAPI", "ContentDigest",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Load -> translate -> encode -> serve, wired together and watched for changes.
        .target(
            name: "MeridianRuntime",
            dependencies: [
                "MeridianLoad", "MeridianTranslate", "MeridianIR", "MeridianEncode", "MeridianServe", "MeridianHistory", "MeridianKubernetes", "EnvoyAPI",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        // The admin HTTP server of `serve`: live view of proxies and config, history, metrics.
        .target(
            name: "MeridianAdmin",
            dependencies: [
                "MeridianRuntime", "MeridianServe", "MeridianHistory", "EnvoyAPI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .executableTarget(
            name: "MeridianCLI",
            dependencies: [
                "MeridianRuntime", "MeridianTranslate", "MeridianServe", "MeridianAdmin", "MeridianExplain", "MeridianHistory", "EnvoyAPI",
                "GRPCCoreTransport", "MeridianKubernetes",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // The xDS load generator and the baseline replay server (issue 9): scripts/benchmark-xds.
        .executableTarget(
            name: "MeridianLoadGenerator",
            dependencies: [
                "GRPCCoreTransport", "EnvoyAPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // libFuzzer over the loader: scripts/fuzz-loader. A plain build replays inputs.
        .executableTarget(name: "MeridianLoadFuzzer", dependencies: ["MeridianLoad", "CLibFuzzer"]),

        // Shared by the tests: real Envoy processes, loopback backends, a raw HTTP client.
        .target(
            name: "MeridianTestSupport",
            dependencies: ["GRPCCoreTransport", "EnvoyAPI", "MeridianIR", "MeridianEncode", "MeridianServe", "TLSCertificates"],
            path: "Tests/MeridianTestSupport"
        ),

        // A stand-in for the Kubernetes API server (none can run here), for the tests.
        .target(
            name: "KubernetesAPIStandIn",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Tests/KubernetesAPIStandIn"
        ),

        .testTarget(name: "MeridianLoadTests", dependencies: ["MeridianLoad"]),
        .testTarget(name: "MeridianKubernetesTests", dependencies: [
            "MeridianKubernetes", "KubernetesAPIStandIn", "MeridianLoad", "MeridianRuntime", "MeridianTranslate", "MeridianServe", "MeridianTestSupport", "TLSCertificates",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
        .testTarget(name: "MeridianExplainTests", dependencies: ["MeridianExplain", "MeridianLoad", "MeridianTranslate", "MeridianIR", "MeridianTestSupport"]),
        .testTarget(name: "MeridianTranslateTests", dependencies: ["MeridianTranslate", "MeridianLoad", "MeridianIR", "MeridianTestSupport", "TLSCertificates"]),
        .testTarget(
            name: "MeridianRuntimeTests",
            dependencies: [
                "MeridianRuntime", "MeridianTranslate", "MeridianEncode", "MeridianServe", "MeridianTestSupport", "EnvoyAPI", "TLSCertificates", "MeridianExplain",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The upstream Gateway API conformance tests (Tests/Conformance), run with meridian serve and Envoy.
        .testTarget(
            name: "MeridianConformanceTests",
            dependencies: ["MeridianRuntime", "MeridianTranslate", "MeridianLoad", "MeridianServe", "MeridianTestSupport", "EnvoyAPI", "TLSCertificates"]
        ),
        .testTarget(
            name: "MeridianAdminTests",
            dependencies: [
                "MeridianAdmin", "MeridianRuntime", "MeridianServe", "MeridianTestSupport", "EnvoyAPI",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "MeridianHistoryTests",
            dependencies: [
                "MeridianHistory", "MeridianRuntime", "MeridianServe", "MeridianLoad", "MeridianTestSupport", "EnvoyAPI",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Runs the built meridian-load against the built meridian serve.
        .testTarget(name: "MeridianLoadGeneratorTests", dependencies: ["MeridianTestSupport"]),
        .testTarget(name: "GRPCCoreTransportTests", dependencies: ["GRPCCoreTransport", "MeridianTestSupport"]),
        .testTarget(name: "EnvoyAPITests", dependencies: ["EnvoyAPI"]),
        .testTarget(name: "ContentDigestTests", dependencies: ["ContentDigest"]),
        .testTarget(name: "TLSCertificatesTests", dependencies: ["TLSCertificates"]),
        .testTarget(name: "RegexCheckTests", dependencies: ["RegexCheck"]),
        .testTarget(name: "MeridianEncodeTests", dependencies: ["MeridianEncode", "MeridianServe", "MeridianTestSupport", "RegexCheck", "TLSCertificates"]),
        .testTarget(
            name: "MeridianServeTests",
            dependencies: [
                "MeridianServe", "MeridianEncode", "MeridianIR", "MeridianTestSupport", "EnvoyAPI", "GRPCCoreTransport", "TLSCertificates",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ]
)
