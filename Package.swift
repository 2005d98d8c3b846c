// swift-tools-version: 6.2
//
// Outpost: an edge NATS server.
//
// Dependencies point down, towards pure code (see README "Modules"):
//   EdgeServer -> Monitoring -> Broker -> (NATSWire, Subjects)
//   EdgeConfig, NATSWire and Subjects know nothing about sockets, files, clocks or loggers.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    // The publish path crosses modules (parser -> broker -> subject index -> encoder): let the
    // optimizer specialise and inline across them, and skip dynamic exclusivity checks, which
    // cost more than the work itself on that path (measured with perf: generic metadata
    // look-ups and AccessSet inserts were a third of the CPU per message without these).
    .unsafeFlags(["-cross-module-optimization", "-enforce-exclusivity=unchecked"], .when(configuration: .release)),
]

let package = Package(
    name: "Outpost",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "outpost", targets: ["outpost"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        // Client protocol: ops, the incremental parser, the encoder. Pure (NIOCore buffers only).
        .target(
            name: "NATSWire",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        // MQTT 3.1.1 packets (the parser with the specification's checks, the encoder) and the
        // mapping between MQTT topics and NATS subjects. Pure (NIOCore buffers only).
        .target(
            name: "MQTTWire",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        // Subject validation, tokenizing and the subscription index with its match cache.
        .target(name: "Subjects", swiftSettings: swiftSettings),
        // nkeys (Ed25519 keys in NATS's encoding, the system's libcrypto loaded on first use) and
        // .creds files: signing a hub's nonce.
        .target(name: "NKeys", swiftSettings: swiftSettings),
        // nats-server configuration files and command-line flags -> ServerConfiguration.
        .target(name: "EdgeConfig", swiftSettings: swiftSettings),
        // JetStream: stream and consumer model, API types, error table, StreamStore protocol,
        // MemoryStreamStore, the engine.
        .target(
            name: "JetStream",
            dependencies: [
                "Subjects",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The system SQLite library.
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // A VFS that writes each commit's WAL frames in one call instead of two per frame.
        .target(name: "CSQLiteWriteBuffer", dependencies: ["CSQLite"]),
        // SQLiteStreamStore: streams in one SQLite database, WAL, prepared statements.
        .target(
            name: "JetStreamSQLite",
            dependencies: ["JetStream", "CSQLite", "CSQLiteWriteBuffer", "Subjects"],
            swiftSettings: swiftSettings
        ),
        // The leafnode link's protocol as a pure state machine, its reconnect policy, its subject
        // rules and interest table. No I/O, no NIO.
        .target(name: "Leafnode", dependencies: ["Subjects"], swiftSettings: swiftSettings),
        // Accounts, the shared connection transport, the protocol sessions (NATS client,
        // leafnode), routing, limits.
        .target(
            name: "Broker",
            dependencies: [
                "NATSWire", "Subjects", "Leafnode", "NKeys",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // HTTP monitoring endpoints (/varz, /connz, ...).
        .target(
            name: "Monitoring",
            dependencies: [
                "Broker", "Subjects", "JetStream",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The server process: configuration loading, listeners, signals, logging set-up, bench.
        .target(
            name: "EdgeServer",
            dependencies: [
                "Broker", "EdgeConfig", "Monitoring", "NATSWire", "Subjects", "Leafnode", "JetStream", "JetStreamSQLite", "NKeys",
                "CLoaderMemory",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Gives back, at start, the pages of the relocation tables the dynamic loader is done with.
        .target(name: "CLoaderMemory"),
        .executableTarget(
            name: "outpost", dependencies: ["EdgeServer", "CLoaderMemory"], swiftSettings: swiftSettings,
            // Release builds link the Swift runtime and FoundationEssentials in (what
            // Tools/install ships, and what `swift run -c release` runs): loading them as shared
            // libraries cost 2.7 MB of idle RSS (bench-compare rss_idle 20,316 -> 17,608 kB).
            // A static runtime makes the executable export every Swift symbol (a 0.6 MB .dynsym
            // and a 1.5 MB .dynstr that the dynamic loader reads at start): nothing loads against
            // our symbols, so keep them private. Measured: 1.8 MB less idle RSS.
            linkerSettings: [
                .unsafeFlags(
                    ["-static-stdlib", "-l_FoundationCollections", "-l_FoundationCShims", "-Xlinker", "--no-export-dynamic"],
                    .when(platforms: [.linux], configuration: .release))
            ]
        ),

        // Test-only helpers: raw protocol client, server process runner.
        .target(
            name: "EdgeTestSupport", dependencies: [.product(name: "NIOConcurrencyHelpers", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),

        .testTarget(name: "NATSWireTests", dependencies: ["NATSWire"], swiftSettings: swiftSettings),
        .testTarget(name: "MQTTWireTests", dependencies: ["MQTTWire"], swiftSettings: swiftSettings),
        .testTarget(name: "SubjectsTests", dependencies: ["Subjects"], swiftSettings: swiftSettings),
        .testTarget(name: "LeafnodeTests", dependencies: ["Leafnode"], swiftSettings: swiftSettings),
        .testTarget(name: "NKeysTests", dependencies: ["NKeys"], swiftSettings: swiftSettings),
        .testTarget(name: "LoaderMemoryTests", dependencies: ["CLoaderMemory"], swiftSettings: swiftSettings),
        .testTarget(name: "EdgeConfigTests", dependencies: ["EdgeConfig"], swiftSettings: swiftSettings),
        // Fixtures/ holds replies captured from nats-server 2.9.10, read by path.
        .testTarget(
            name: "JetStreamTests", dependencies: ["JetStream", "JetStreamSQLite", "CSQLiteWriteBuffer"], exclude: ["Fixtures"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "BrokerTests",
            dependencies: [
                "Broker", .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The composition root in-process: services starting, serving, unwinding a failed start.
        .testTarget(
            name: "EdgeServerTests",
            dependencies: [
                "EdgeServer", "Broker", "EdgeTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["EdgeTestSupport", "NKeys"],
            exclude: ["Python"],
            swiftSettings: swiftSettings
        ),
    ]
)
