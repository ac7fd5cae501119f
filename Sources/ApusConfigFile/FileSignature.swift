#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What `stat` says about a file, compared between two looks to notice a change without
/// reading it.
///
/// Follows symlinks, so a Kubernetes volume update (an atomic swap of the `..data`
/// symlink the file's path goes through) shows as a new inode. A missing file has the
/// empty signature, so its appearing or disappearing is a change too. The change time is
/// left out on purpose: a file rewritten with its old size and modification time is
/// what SIGHUP is for.
public struct FileSignature: Equatable, Sendable {
    private let fields: [Int]

    public static func of(_ path: String) -> FileSignature {
        var info = stat()
        guard stat(path, &info) == 0 else { return FileSignature(fields: []) }
        return FileSignature(fields: [
            Int(info.st_dev), Int(info.st_ino), Int(info.st_size),
            Int(info.st_mtim.tv_sec), Int(info.st_mtim.tv_nsec),
        ])
    }
}
