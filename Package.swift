// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "swiftlet",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "swiftlet", targets: ["swiftlet"]),
        .executable(name: "swiftlet-shim", targets: ["swiftlet-shim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // Pure Kubernetes semantics: wire values, selectors, patches, validation, tables. No I/O.
        .target(name: "KubeAPI"),
        // The versioned object store (SQLite through GRDB) and its watch fan-out.
        .target(name: "KubeStore", dependencies: [
            "KubeAPI",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        // The Kubernetes API as a client sees it (protocol), informers and work queues.
        .target(name: "KubeClient", dependencies: ["KubeAPI"]),
        // An in-memory KubeClient for unit tests of controller logic (never linked into the binary).
        .target(name: "KubeClientTesting", dependencies: ["KubeAPI", "KubeClient"]),
        // Controllers and scheduler: list/watch through a KubeClient, write back through it.
        .target(name: "Controllers", dependencies: [
            "KubeAPI", "KubeClient",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // YAML manifests as JSON values (for request bodies and static pod files).
        .target(name: "KubeYAML", dependencies: ["KubeAPI", .product(name: "Yams", package: "Yams")]),
        // CA, serving and client certificates; kubeconfig.
        .target(name: "ClusterPKI", dependencies: [
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "_CryptoExtras", package: "swift-crypto"),
        ]),
        // The HTTPS Kubernetes API: routes, discovery, OpenAPI, admission, watch streams.
        .target(name: "APIServer", dependencies: [
            "KubeAPI", "KubeStore", "ClusterPKI", "KubeClient", "SPDY", "KubeYAML",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
        // C libraries from Debian's -dev packages.
        .systemLibrary(name: "CSeccomp", pkgConfig: "libseccomp", providers: [.apt(["libseccomp-dev"])]),
        .systemLibrary(name: "CCap", pkgConfig: "libcap", providers: [.apt(["libcap-dev"])]),
        .systemLibrary(name: "CNetlink", pkgConfig: "libnl-route-3.0", providers: [.apt(["libnl-3-dev", "libnl-route-3-dev"])]),
        .systemLibrary(name: "CNftables", pkgConfig: "libnftables", providers: [.apt(["libnftables-dev"])]),
        .systemLibrary(name: "CArchive", pkgConfig: "libarchive", providers: [.apt(["libarchive-dev"])]),
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        // SPDY/3.1 framing and the exec/attach and port-forward sessions kubectl runs over it (direct or in a WebSocket).
        .target(name: "SPDY", dependencies: ["CZlib"]),
        // C: clone3 and the child's steps up to execve (async-signal-safe only); seccomp compiled in the parent.
        .target(name: "CSpawn", dependencies: ["CSeccomp", "CCap"]),
        // C: the per-container monitor (parent of the container; keeps exit code, logs, tty). Linked statically: it
        // is exec'd for every container and stays resident beside it, and the Swift runtime and libstdc++ that
        // SwiftPM links into every executable cost milliseconds of dynamic loading and over a MB of RSS each time.
        // -nostartfiles leaves out swiftrt.o, the only thing that pulls the (static) Swift runtime into this C-only
        // program: without it the binary is 1 MB of text instead of 5.6, and a monitor's RSS 1.07 MB instead of 1.34.
        .executableTarget(name: "swiftlet-shim", dependencies: ["CSpawn"], linkerSettings: [.unsafeFlags(["-static-executable", "-nostartfiles"])]),
        // Container planning (pure) and execution through the shim.
        .target(name: "ContainerRuntime", dependencies: ["KubeAPI", "CSpawn"]),
        // OCI/docker archives, the content store, layer unpacking, registry pulls.
        .target(name: "ImageStore", dependencies: [
            "CArchive",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // Pod sandboxes' networking: netns, veth, bridge, IPAM, host routes (libnl-route).
        .target(name: "CNetlinkShim"),
        .target(name: "PodNetwork", dependencies: ["CNetlink", "CNetlinkShim"]),
        // The service proxy: Services + EndpointSlices → one nftables table (libnftables).
        .target(name: "ServiceProxy", dependencies: ["KubeAPI", "KubeClient", "CNftables",
                                                      .product(name: "Logging", package: "swift-log"),
                                                      .product(name: "Metrics", package: "swift-metrics")]),
        // Cluster DNS on SwiftNIO (UDP and TCP).
        .target(name: "ClusterDNS", dependencies: [
            "KubeAPI", "KubeClient",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
        ]),
        // The node agent: pods bound to this node → sandboxes, volumes, containers, status, streams.
        .target(name: "NodeAgent", dependencies: [
            "KubeAPI", "KubeClient", "KubeYAML", "ContainerRuntime", "ImageStore", "PodNetwork",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
        ]),
        .executableTarget(name: "swiftlet", dependencies: [
            "APIServer", "Controllers", "KubeClient", "NodeAgent", "PodNetwork", "ServiceProxy", "ClusterDNS", "ImageStore",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // bench/run.py P2: swiftlet's container spawn path (plan → bundle → shim → exit → removal), timed in-process.
        .executableTarget(name: "swiftlet-spawn-bench", dependencies: ["ContainerRuntime", "KubeAPI"]),
        .testTarget(name: "KubeAPITests", dependencies: ["KubeAPI"]),
        .testTarget(name: "KubeStoreTests", dependencies: ["KubeStore"]),
        .testTarget(name: "KubeYAMLTests", dependencies: ["KubeYAML", "KubeAPI"]),
        .testTarget(name: "ClusterPKITests", dependencies: ["ClusterPKI", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(name: "NodeAgentTests", dependencies: ["NodeAgent"]),
        .testTarget(name: "PodNetworkTests", dependencies: ["PodNetwork"]),
        .testTarget(name: "ContainerRuntimeTests", dependencies: ["ContainerRuntime", "KubeAPI"]),
        .testTarget(name: "ImageStoreTests", dependencies: ["ImageStore"]),
        .testTarget(name: "SPDYTests", dependencies: ["SPDY"]),
        .testTarget(name: "ClusterDNSTests", dependencies: ["ClusterDNS", "KubeClientTesting"]),
        .testTarget(name: "ServiceProxyTests", dependencies: ["ServiceProxy", "KubeClientTesting"]),
        .testTarget(name: "ControllersTests", dependencies: ["Controllers", "KubeClientTesting"]),
    ]
)
