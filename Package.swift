// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "sluice",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "sluice", targets: ["sluice"]),
        .library(name: "SluiceCore", targets: ["SluiceCore"]),
        .library(name: "SluiceStore", targets: ["SluiceStore"]),
        .library(name: "SluiceIngest", targets: ["SluiceIngest"]),
        .library(name: "SluiceServer", targets: ["SluiceServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.0"),
    ],
    targets: [
        // System libraries (apt: libpq-dev).
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),

        // System library (apt: liblz4-dev): the LZ4 frame format.
        .systemLibrary(
            name: "CLZ4",
            pkgConfig: "liblz4",
            providers: [.apt(["liblz4-dev"])]
        ),

        // The event model, JSON scanning and validation. No I/O.
        .target(
            name: "SluiceCore",
            swiftSettings: swiftSettings
        ),

        // Swift code generated once by protoc-gen-swift from opentelemetry-proto (see its README.md).
        .target(
            name: "OpenTelemetryProto",
            dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")],
            exclude: ["README.md"]
        ),

        // OTLP logs and metrics mapped to agent events (Claude Code's events by name). Pure: no I/O.
        .target(
            name: "SluiceOTLP",
            dependencies: [
                "SluiceCore",
                "OpenTelemetryProto",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: swiftSettings
        ),

        // Child processes: posix_spawn, a typed exit, waits that hold no cooperative thread.
        .target(
            name: "SluiceProcess",
            swiftSettings: swiftSettings
        ),

        // PostgreSQL: libpq connections on dedicated threads, binary COPY, migrations, embedded cluster.
        .target(
            name: "SluiceStore",
            dependencies: [
                "CLibPQ",
                "SluiceCore",
                "SluiceProcess",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            resources: [.copy("SQL")],
            swiftSettings: swiftSettings
        ),

        // Projections: pure folds of the event log into sessions and aggregates, and their projector.
        .target(
            name: "SluiceProjections",
            dependencies: [
                "SluiceCore",
                "SluiceStore",
            ],
            swiftSettings: swiftSettings
        ),

        // Cold archive (LZ4 frames of binary COPY segments, manifests, verify, restore) and retention,
        // in a directory or an S3-compatible bucket (SigV4 over async-http-client).
        .target(
            name: "SluiceArchive",
            dependencies: [
                "CLZ4",
                "SluiceCore",
                "SluiceStore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),

        // Coalesces concurrent requests into COPY batches; acknowledges after COMMIT.
        .target(
            name: "SluiceIngest",
            dependencies: [
                "SluiceCore",
                "SluiceStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),

        // HTTP API (Hummingbird 2).
        .target(
            name: "SluiceServer",
            dependencies: [
                "SluiceCore",
                "SluiceStore",
                "SluiceIngest",
                "SluiceProjections",
                "SluiceArchive",
                "SluiceOTLP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            resources: [.copy("Console")],  // the web console's pages, styles and scripts (docs/console.md)
            swiftSettings: swiftSettings
        ),

        // Importers: Claude Code transcripts and VS Code Copilot chat sessions. Pure parsers and
        // mappers, plus the file reading, watch state and sinks (database or HTTP) around them.
        .target(
            name: "SluiceImport",
            dependencies: [
                "SluiceCore",
                "SluiceStore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ],
            resources: [.copy("Resources/prices.json")],
            swiftSettings: swiftSettings
        ),

        // Benchmarks (`sluice bench`): load generation over HTTP against a psql \copy baseline.
        .target(
            name: "SluiceBench",
            dependencies: [
                "SluiceCore",
                "SluiceStore",
                "SluiceArchive",
                "SluiceImport",
                "SluiceProcess",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),

        .executableTarget(
            name: "sluice",
            dependencies: [
                "SluiceCore",
                "SluiceStore",
                "SluiceIngest",
                "SluiceServer",
                "SluiceProjections",
                "SluiceArchive",
                "SluiceBench",
                "SluiceImport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        .testTarget(
            name: "SluiceCoreTests",
            dependencies: ["SluiceCore", "SluiceTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SluiceOTLPTests",
            dependencies: [
                "SluiceCore", "SluiceOTLP", "OpenTelemetryProto",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            exclude: ["Examples"],  // read from the source tree by path
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SluiceProjectionsTests",
            dependencies: ["SluiceCore", "SluiceStore", "SluiceProjections", "SluiceTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SluiceArchiveTests",
            dependencies: ["SluiceCore", "SluiceStore", "SluiceArchive", "SluiceProjections", "SluiceProcess", "SluiceTestSupport", "sluice",
                           .product(name: "Crypto", package: "swift-crypto"), .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOHTTP1", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SluiceImportTests",
            dependencies: [
                "SluiceCore", "SluiceStore", "SluiceImport", "SluiceProjections", "SluiceServer", "SluiceProcess", "SluiceTestSupport", "sluice",
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SluiceIngestTests",
            dependencies: ["SluiceCore", "SluiceStore", "SluiceIngest", "SluiceTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SluiceStoreTests",
            dependencies: ["SluiceCore", "SluiceStore", "SluiceProcess", "SluiceTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SluiceServerTests",
            dependencies: [
                "SluiceCore", "SluiceStore", "SluiceIngest", "SluiceServer", "SluiceProjections", "SluiceProcess", "SluiceTestSupport", "sluice",
                "SluiceOTLP", "OpenTelemetryProto",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Shared by the database tests: one private PostgreSQL cluster per test process.
        .target(
            name: "SluiceTestSupport",
            dependencies: [
                "SluiceStore",
                "SluiceProjections",
                "SluiceProcess",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Tests/SluiceTestSupport",
            resources: [.copy("Fixtures")],  // frozen SQL trees of older versions (upgrade tests)
            swiftSettings: swiftSettings
        ),
    ]
)
