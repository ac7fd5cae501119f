import Glibc

/// A failed syscall outside the request path (setup: socket, bind, listen, epoll_create).
public struct SystemError: Error, CustomStringConvertible, Sendable {
    public var call: String
    public var code: Int32
    public var context: String

    public init(_ call: String, code: Int32 = errno, context: String = "") {
        self.call = call
        self.code = code
        self.context = context
    }

    public var description: String {
        let what = context.isEmpty ? call : "\(call) \(context)"
        return "\(what): \(Posix.describe(code))"
    }
}
