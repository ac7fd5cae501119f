import ApusCore
import ApusHTTP
import Glibc

/// What a static-files route answers to one request: the file looked up under the root
/// (nginx `root` semantics: the whole request path is appended), its validators, and the
/// request's conditions judged (If-None-Match, If-Modified-Since, Range, If-Range). The
/// worker writes the answer; nothing here touches a connection.
///
/// The path is already normalized (decoded, no dot segments). The file's real path must
/// stay inside the root's real path, so a symlink can't lead out of it.
/// Thread rule: owned by one worker (the roots' real paths are cached per table).
struct StaticFileResolver {
    /// The request's conditional and range fields, as sent.
    struct Conditions {
        var ifNoneMatch: String?
        var ifModifiedSince: String?
        var range: String?
        var ifRange: String?
    }

    enum Answer {
        case methodNotAllowed
        case notFound
        case forbidden
        /// A directory asked for without its trailing slash.
        case directory(location: String)
        /// The client's copy is current. `compressed` when a 200 would have been gzip.
        case notModified(StaticValidators, compressed: Bool)
        case unsatisfiable(size: Int)
        /// Send `length` bytes from `start` of the open `fd` (status 200, or 206 for a
        /// range). `compressible`: the policy under which a whole-file 200 may go gzip.
        case file(fd: Int32, StaticValidators, status: Int, start: Int, length: Int, size: Int, compressible: CompressionPolicy?)
    }

    private var realRoots: [String: String] = [:]

    /// Forgets the cached real paths (a new table may name other roots).
    mutating func reset() {
        realRoots.removeAll()
    }

    /// - Parameter gzip: the route's compression policy when the request may take gzip.
    mutating func resolve(_ config: StaticFilesConfig, path: String, query: String, method: HTTPMethod, conditions: Conditions,
                          gzip: CompressionPolicy?) -> Answer {
        guard method == .get || method == .head else { return .methodNotAllowed }
        guard let root = realRoot(config.root) else { return .notFound }
        var candidate = root + path
        var info = stat()
        if stat(candidate, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR {
            guard path.hasSuffix("/") else { return .directory(location: path + "/" + query) }
            candidate += config.index
        }
        var resolved = Self.realPath(candidate)
        if resolved == nil, let fallback = config.fallback {
            // Nothing at that path: a single-page app answers with its shell and routes
            // on the client.
            resolved = Self.realPath(root + "/" + fallback)
        }
        guard let resolved, resolved == root || resolved.hasPrefix(root + "/") else { return .notFound }
        // O_NONBLOCK: a FIFO in the root must not stop the worker in open(); fstat below
        // then refuses it as not a regular file (sendfile ignores the flag for files).
        let fd = open(resolved, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { return errno == EACCES ? .forbidden : .notFound }
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            return .notFound
        }
        let size = Int(info.st_size)
        let modified = Int(info.st_mtim.tv_sec)
        let validators = StaticValidators(
            contentType: MimeTypes.type(forPath: resolved),
            etag: "\"\(String(modified, radix: 16))-\(String(size, radix: 16))\"", lastModified: HTTPDate.format(modified))
        let compressible = Self.compressible(gzip, method: method, size: size, contentType: validators.contentType, conditions: conditions)

        if Self.notModified(conditions, etag: validators.etag, modified: modified) {
            close(fd)
            return .notModified(validators, compressed: compressible != nil)
        }
        if compressible != nil {
            return .file(fd: fd, validators, status: 200, start: 0, length: size, size: size, compressible: compressible)
        }
        switch Self.byteRange(conditions, size: size, etag: validators.etag, modified: modified) {
        case .whole:
            return .file(fd: fd, validators, status: 200, start: 0, length: size, size: size, compressible: nil)
        case .partial(let first, let last):
            return .file(fd: fd, validators, status: 206, start: first, length: last - first + 1, size: size, compressible: nil)
        case .unsatisfiable:
            close(fd)
            return .unsatisfiable(size: size)
        }
    }

    /// Range requests are never compressed (byte ranges address the file as stored), nor
    /// HEAD requests, nor files under the policy's minimum length.
    private static func compressible(_ policy: CompressionPolicy?, method: HTTPMethod, size: Int, contentType: String,
                                     conditions: Conditions) -> CompressionPolicy? {
        guard let policy, method == .get, size > 0, Int64(size) >= policy.minLength, conditions.range == nil,
              policy.types.matches(contentType: contentType)
        else { return nil }
        return policy
    }

    private mutating func realRoot(_ root: String) -> String? {
        if let cached = realRoots[root] { return cached }
        guard let resolved = Self.realPath(root) else { return nil }
        realRoots[root] = resolved
        return resolved
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(validatingCString: resolved)
    }

    private static func notModified(_ conditions: Conditions, etag: String, modified: Int) -> Bool {
        if let tags = conditions.ifNoneMatch {
            return tags == "*" || tags.split(separator: ",").contains { tag in
                let trimmed = tag.trimmingOptionalWhitespace()
                return trimmed == etag || trimmed == "W/" + etag
            }
        }
        if let since = conditions.ifModifiedSince, let time = HTTPDate.parse(since) {
            return modified <= time
        }
        return false
    }

    /// The Range field read for this file; a stale If-Range serves the whole file.
    private static func byteRange(_ conditions: Conditions, size: Int, etag: String, modified: Int) -> ByteRangeRequest {
        guard let header = conditions.range else { return .whole }
        if let ifRange = conditions.ifRange {
            if ifRange.hasPrefix("\"") || ifRange.hasPrefix("W/") {
                if ifRange != etag { return .whole }
            } else if HTTPDate.parse(ifRange) != modified {
                return .whole
            }
        }
        return ByteRangeRequest.parse(header, size: size)
    }
}

/// The validators and type of a static file, for its response head.
struct StaticValidators {
    var contentType: String
    var etag: String
    var lastModified: String
}
