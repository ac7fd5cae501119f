/// Resolves a path written in a config file against the directory of that file.
///
/// So `apus serve --config /etc/apus/apus.yaml` finds `www` as `/etc/apus/www` whatever
/// the working directory. Plain string work: nothing is looked up on disk, `..` is kept.
enum ConfigRelativePath {
    /// `path` unchanged when absolute; otherwise prefixed with the directory of `configFile`.
    static func resolve(_ path: String, relativeTo configFile: String) -> String {
        if path.hasPrefix("/") { return path }
        var relative = Substring(path)
        while relative.hasPrefix("./") {
            relative = relative.dropFirst(2).drop { $0 == "/" }
        }
        let directory = directoryPart(of: configFile)
        if relative.isEmpty || relative == "." { return directory.isEmpty ? "." : directory }
        if directory.isEmpty { return String(relative) }
        return directory.hasSuffix("/") ? directory + relative : directory + "/" + relative
    }

    /// Everything before the last `/` of `file` ("" when it has none, "/" for a file in the root).
    static func directoryPart(of file: String) -> String {
        guard let slash = file.lastIndex(of: "/") else { return "" }
        let directory = file[..<slash]
        if directory.isEmpty { return "/" }
        // "./apus.yaml" lives in "." which adds nothing to a relative path.
        return directory == "." ? "" : String(directory)
    }
}
