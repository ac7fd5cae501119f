// swift-tools-version:6.0
import PackageDescription

// libFuzzer targets for every parser in the root package. Build and run them with ./run
// (see README.md); they only link with `--sanitize fuzzer`.
// A path dependency's identity is its directory name (`main`, a worktree's name, ...),
// so derive it rather than hard-coding it.
let root = Context.packageDirectory.split(separator: "/").dropLast().last.map { String($0).lowercased() } ?? "apus"

let package = Package(
    name: "apus-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "..")],
    targets: [
        .executableTarget(name: "FuzzRequestHead", dependencies: [.product(name: "ApusHTTP", package: root)]),
        .executableTarget(name: "FuzzHTTP2Session", dependencies: [.product(name: "ApusHTTP2", package: root), .product(name: "ApusHTTP", package: root)]),
        .executableTarget(name: "FuzzGRPCTimeout", dependencies: [.product(name: "ApusHTTP2", package: root)]),
        .executableTarget(name: "FuzzHTTP1ResponseReader", dependencies: [.product(name: "ApusHTTP2", package: root), .product(name: "ApusHTTP", package: root)]),
        .executableTarget(name: "FuzzHTTP1RequestReader", dependencies: [.product(name: "ApusHTTP2", package: root), .product(name: "ApusHTTP", package: root)]),
        .executableTarget(name: "FuzzResponseHead", dependencies: [.product(name: "ApusHTTP", package: root)]),
        .executableTarget(name: "FuzzUpstreamResponse", dependencies: [.product(name: "ApusHTTP", package: root)]),
        .executableTarget(name: "FuzzChunked", dependencies: [.product(name: "ApusHTTP", package: root)]),
        .executableTarget(name: "FuzzPathNormalize", dependencies: [.product(name: "ApusHTTP", package: root)]),
        .executableTarget(name: "FuzzHeaderValues", dependencies: [.product(name: "ApusHTTP", package: root)]),
        .executableTarget(name: "FuzzIngressJSON", dependencies: [.product(name: "ApusKubernetes", package: root), .product(name: "ApusCore", package: root)]),
        .executableTarget(name: "FuzzProxyProtocol", dependencies: [.product(name: "ApusNet", package: root)]),
        .executableTarget(name: "FuzzServerName", dependencies: [.product(name: "ApusNet", package: root)]),
        .executableTarget(name: "FuzzHtpasswd", dependencies: [.product(name: "ApusCore", package: root)]),
        .executableTarget(name: "FuzzAuthTemplates", dependencies: [.product(name: "ApusCore", package: root)]),
        .executableTarget(name: "FuzzNginxSnippet", dependencies: [.product(name: "ApusKubernetes", package: root), .product(name: "ApusCore", package: root)]),
        .executableTarget(name: "FuzzHSTSValue", dependencies: [.product(name: "ApusCore", package: root)]),
        .executableTarget(name: "FuzzAffinityCookie", dependencies: [.product(name: "ApusCore", package: root)]),
        .executableTarget(name: "FuzzAddressRange", dependencies: [.product(name: "ApusCore", package: root)]),
        .executableTarget(name: "FuzzConfigYAML", dependencies: [.product(name: "ApusConfigFile", package: root), .product(name: "ApusCore", package: root)]),
    ],
    swiftLanguageModes: [.v6]
)
