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
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
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
        .executableTarget(
            name: "vigil",
            dependencies: [
                "VigilML",
                "VigilDetect",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
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
            name: "VigilDetectTests",
            dependencies: ["VigilDetect", "VigilML"],
            swiftSettings: upcoming
        ),
    ],
    swiftLanguageModes: [.v6]
)
