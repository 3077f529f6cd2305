// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "importer",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "TaskQueue", targets: ["TaskQueue"]),
        .executable(name: "importer", targets: ["importer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/vapor/multipart-kit.git", from: "4.7.1"),
        // Webhook deliveries (HTTP and HTTPS) and their HMAC-SHA256 signatures.
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        // PostgreSQL for several hosts (DESIGN.md §14).
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        // The system libsqlite3, for the few hot statements (GRDB does the rest).
        .systemLibrary(name: "CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        // What every module and backend shares: UUIDv7 ids, storage faults, process memory.
        .target(name: "Common"),
        // SQLite plumbing shared by the queue's and the catalogue's stores: opening a shared WAL
        // file, raw statements, the WAL checkpointer, file locks, the storage probe and faults.
        .target(
            name: "SQLiteSupport",
            dependencies: [
                "CSQLite", "Common",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // PostgreSQL plumbing shared by the queue's and the catalogue's stores: the URL, a
        // connection pool usable from blocking threads, migrations under an advisory lock, faults.
        .target(
            name: "PostgresSupport",
            dependencies: [
                "Common",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .target(
            name: "TaskQueue",
            dependencies: [
                "Common", "SQLiteSupport", "PostgresSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "Catalog",
            dependencies: [
                "TaskQueue", "Common", "SQLiteSupport", "PostgresSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "Server",
            dependencies: [
                "TaskQueue", "Catalog", "Common", "SQLiteSupport", "PostgresSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // The web UI's files are compiled in (UIAssets+Files.swift, scripts/ui_assets.py).
            exclude: ["UI"]
        ),
        .executableTarget(
            name: "importer",
            dependencies: [
                "TaskQueue", "PostgresSupport",
                "Common",
                "Catalog",
                "Server",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Fuzzing (issue 10): the properties in FuzzTargets, driven by libFuzzer (scripts/fuzz.sh)
        // or replaying a corpus.
        .target(name: "FuzzTargets", dependencies: ["Catalog", "TaskQueue"]),
        .executableTarget(name: "fuzz-csv", dependencies: ["FuzzTargets"]),
        .executableTarget(name: "fuzz-json", dependencies: ["FuzzTargets"]),
        // Helpers shared by the test targets.
        .target(name: "TestSupport", dependencies: ["PostgresSupport"], path: "Tests/TestSupport"),
        .testTarget(
            name: "TaskQueueTests",
            dependencies: ["TaskQueue", "TestSupport", "PostgresSupport", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(
            name: "CatalogTests",
            dependencies: [
                "Catalog", "TaskQueue", "Common", "TestSupport", "FuzzTargets", "PostgresSupport", "SQLiteSupport",
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "PostgresNIO", package: "postgres-nio"),
            ]),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "Server", "TaskQueue", "Catalog", "Common", "SQLiteSupport", "PostgresSupport", "TestSupport",
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "TaskQueue", "Server", "TestSupport", "PostgresSupport", "importer", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
    ]
)
