/// The bytes of heads on their way out (a request head for an upstream, a response head or
/// a whole local response for a downstream), in storage the serializers write in place.
///
/// An array would cost each exchange its bookkeeping twice over: emptying one while keeping
/// its capacity goes through `replaceSubrange` (about 80 instructions), and appending checks
/// uniqueness and capacity again. Here emptying is `count = 0` and a head is written with
/// one capacity check; the storage grows when a head needs more and lives as long as the
/// buffer (one per pooled exchange), so steady traffic allocates nothing.
///
/// Noncopyable: it owns its storage. Thread rule: owned by one worker.
public struct HeadBuffer: ~Copyable {
    @usableFromInline var base: UnsafeMutablePointer<UInt8>?
    @usableFromInline var capacity = 0
    @usableFromInline var length = 0

    public init() {}

    deinit {
        base?.deallocate()
    }

    @inlinable public var count: Int { length }
    @inlinable public var isEmpty: Bool { length == 0 }

    /// The first byte (nil while nothing was ever written).
    @inlinable public var start: UnsafePointer<UInt8>? { base.map { UnsafePointer($0) } }

    /// A copy of the bytes (tests and slow paths).
    public var bytes: [UInt8] {
        guard let base else { return [] }
        return Array(UnsafeBufferPointer(start: base, count: length))
    }

    /// Forgets the bytes, keeping the storage.
    @inlinable
    public mutating func removeAll() {
        length = 0
    }

    /// Makes room for `minimumCapacity` bytes in all.
    @inlinable
    public mutating func reserveCapacity(_ minimumCapacity: Int) {
        if minimumCapacity > capacity { grow(to: minimumCapacity) }
    }

    @usableFromInline
    mutating func grow(to minimumCapacity: Int) {
        let newCapacity = max(minimumCapacity, capacity * 2, 512)
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        if let base {
            grown.update(from: base, count: length)
            base.deallocate()
        }
        base = grown
        capacity = newCapacity
    }

    public mutating func append(contentsOf bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        reserveCapacity(length + bytes.count)
        UnsafeMutableRawPointer(base! + length).copyMemory(from: source, byteCount: bytes.count)
        length += bytes.count
    }

    public mutating func append(contentsOf bytes: [UInt8]) {
        bytes.withUnsafeBytes { append(contentsOf: $0) }
    }

    public mutating func append(_ text: StaticString) {
        append(contentsOf: UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    public mutating func append(_ byte: UInt8) {
        reserveCapacity(length + 1)
        base![length] = byte
        length += 1
    }

    /// Appends at most `bound` bytes written by `content` in one pass. `content` must not
    /// write more than `bound` bytes.
    @inlinable
    mutating func appendWriting<Content: ByteContent>(bound: Int, _ content: Content) {
        reserveCapacity(length &+ bound)
        let start = base! + length
        var writer = ByteWriter(start, capacity: bound)
        content.write(into: &writer)
        length &+= writer.cursor - start
    }
}
