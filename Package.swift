// swift-tools-version:6.0
import PackageDescription

// Dynamic exclusivity checks cost about 9,000 instructions per proxied request in the
// class-based data plane (callgrind, ../shared/bench/instr small: swift_beginAccess,
// AccessSet::insert, TLS lookups); release builds of the hot modules turn them off.
// Debug builds and tests keep them on, so a real exclusivity violation still traps there.
let hotPathSettings: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

// Module layout and import rules: ../shared/DESIGN.md ("Modules"). Arrows only point down:
// apus → ApusConfigFile/ApusKubernetes/ApusProxy → ApusControl → ApusNet/ApusHTTP/ApusCore → C targets.
let package = Package(
    name: "apus",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "apus", targets: ["apus"]),
        // Libraries exported for the fuzz package in Fuzz/.
        .library(name: "ApusHTTP", targets: ["ApusHTTP"]),
        .library(name: "ApusHTTP2", targets: ["ApusHTTP2"]),
        .library(name: "ApusCore", targets: ["ApusCore"]),
        .library(name: "ApusConfigFile", targets: ["ApusConfigFile"]),
        .library(name: "ApusKubernetes", targets: ["ApusKubernetes"]),
        .library(name: "ApusNet", targets: ["ApusNet"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CPCRE2", path: "Sources/CPCRE2", pkgConfig: "libpcre2-8", providers: [.apt(["libpcre2-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CLinux", path: "Sources/CLinux"),
        .systemLibrary(name: "CCrypt", path: "Sources/CCrypt", pkgConfig: "libxcrypt", providers: [.apt(["libcrypt-dev"])]),
        .systemLibrary(name: "CNghttp2", path: "Sources/CNghttp2", pkgConfig: "libnghttp2", providers: [.apt(["libnghttp2-dev"])]),
        .target(name: "CShims", dependencies: ["COpenSSL", "CPCRE2", "CZlib"]),

        .target(name: "ApusHTTP", swiftSettings: hotPathSettings),
        .target(name: "ApusHTTP2", dependencies: ["ApusHTTP", "CNghttp2"], swiftSettings: hotPathSettings),
        .target(name: "ApusCore", dependencies: ["ApusHTTP", "CPCRE2", "CShims", "COpenSSL", "CCrypt"], swiftSettings: hotPathSettings),
        .target(name: "ApusConfigFile", dependencies: ["ApusCore", .product(name: "Yams", package: "Yams")]),
        // Foundation (JSONSerialization, base64) is for the control plane only: never in ApusProxy.
        .target(name: "ApusKubernetes", dependencies: ["ApusCore", "ApusHTTP", "ApusNet", .product(name: "Yams", package: "Yams")]),
        .target(name: "ApusNet", dependencies: ["CLinux", "COpenSSL", "CZlib", "CPCRE2", "CShims"], swiftSettings: hotPathSettings),
        // The control plane's pipeline: Configuration → Snapshot (names, compile, certificates).
        .target(name: "ApusControl", dependencies: ["ApusCore", "ApusNet"]),
        .target(name: "ApusProxy", dependencies: ["ApusControl", "ApusCore", "ApusHTTP", "ApusHTTP2", "ApusNet", "CLinux", "COpenSSL"], swiftSettings: hotPathSettings),
        .executableTarget(name: "apus", dependencies: ["ApusProxy", "ApusControl", "ApusConfigFile", "ApusKubernetes", "ApusCore", "ApusNet"]),

        .testTarget(name: "ApusHTTPTests", dependencies: ["ApusHTTP"]),
        .testTarget(name: "ApusHTTP2Tests", dependencies: ["ApusHTTP2", "ApusHTTP", "CNghttp2"]),
        .testTarget(name: "ApusCoreTests", dependencies: ["ApusCore"]),
        .testTarget(name: "ApusConfigFileTests", dependencies: ["ApusConfigFile", "ApusCore"]),
        .testTarget(name: "ApusKubernetesTests", dependencies: ["ApusKubernetes", "ApusCore", "ApusNet"]),
        .testTarget(name: "ApusNetTests", dependencies: ["ApusNet"]),
        .testTarget(name: "ApusProxyTests", dependencies: ["ApusProxy", "ApusHTTP"]),
        .testTarget(name: "ApusControlTests", dependencies: ["ApusControl", "ApusCore", "ApusNet"]),
        .testTarget(name: "EndToEndTests", dependencies: ["apus"], exclude: ["Corpus"]),
    ],
    swiftLanguageModes: [.v6]
)
