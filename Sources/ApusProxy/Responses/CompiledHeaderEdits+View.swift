import ApusCore
import ApusHTTP

extension CompiledHeaderEdits {
    /// Lends the compiled bytes to a serializer as ApusHTTP's `HeaderEdits` view.
    @inline(__always)
    func withView<R>(_ body: (HeaderEdits) -> R) -> R {
        removedNames.withUnsafeBytes { names in
            addedLines.withUnsafeBytes { lines in
                body(HeaderEdits(removedNames: names, addedLines: lines, summary: summary))
            }
        }
    }
}
