// swift-tools-version: 6.0
import PackageDescription

let upcoming: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "Vigil",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "vigil", targets: ["vigil"]),
        .library(name: "VigilML", targets: ["VigilML"]),
        .library(name: "VigilDetect", targets: ["VigilDetect"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .systemLibrary(
            name: "CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        .target(
            name: "VigilKafka",
            dependencies: ["CRdKafka"],
            swiftSettings: upcoming
        ),
        .target(
            name: "VigilML",
            dependencies: [.target(name: "CBLAS", condition: .when(platforms: [.linux]))],
            swiftSettings: upcoming
        ),
        .target(
            name: "VigilDetect",
            dependencies: ["VigilML"],
            swiftSettings: upcoming
        ),
        .target(
            name: "VigilServer",
            dependencies: [
                "VigilDetect",
                "VigilKafka",
                "VigilML",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: upcoming
        ),
        .executableTarget(
            name: "vigil",
            dependencies: [
                "VigilML",
                "VigilDetect",
                "VigilKafka",
                "VigilServer",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "VigilKafkaTests",
            dependencies: ["VigilKafka"],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "VigilMLTests",
            dependencies: ["VigilML"],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "VigilCLITests",
            dependencies: ["vigil"],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "VigilServerTests",
            dependencies: [
                "VigilServer",
                "VigilDetect",
                "VigilKafka",
                "VigilML",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "VigilDetectTests",
            dependencies: ["VigilDetect", "VigilML"],
            swiftSettings: upcoming
        ),
    ],
    swiftLanguageModes: [.v6]
)
