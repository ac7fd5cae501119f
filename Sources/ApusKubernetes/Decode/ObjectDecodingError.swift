/// Why a document could not be read as an object: which object, which field, what is wrong.
///
/// `Ingress demo/web: spec.rules[0].http.paths[1].pathType: "Glob" is not Exact, Prefix or ImplementationSpecific`
public struct ObjectDecodingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Nil when the document is unreadable before kind, namespace and name are known.
    public var object: ObjectReference?
    /// Dotted path with list indices; empty for the whole document.
    public var field: String
    public var problem: String

    public init(object: ObjectReference?, field: String, problem: String) {
        self.object = object
        self.field = field
        self.problem = problem
    }

    public var description: String {
        let subject = [object?.description, field.isEmpty ? nil : field].compactMap { $0 }.joined(separator: ": ")
        return subject.isEmpty ? problem : "\(subject): \(problem)"
    }
}
