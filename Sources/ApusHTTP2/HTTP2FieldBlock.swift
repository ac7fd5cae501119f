/// Header fields laid out in one buffer, names and values as ranges in it: a request head
/// for an HTTP/2 upstream costs two allocations here, where an array of `HTTP2Field` costs
/// two per field. libnghttp2 reads the name/value list straight from the buffer
/// (`HTTP2HeaderList.with(_:)`).
public struct HTTP2FieldBlock: Equatable, Sendable {
    struct Entry: Equatable, Sendable {
        var nameStart: Int32
        var nameEnd: Int32
        var valueEnd: Int32
    }

    private(set) var bytes: [UInt8] = []
    private(set) var entries: [Entry] = []

    public init(byteCapacity: Int = 0, fieldCapacity: Int = 0) {
        bytes.reserveCapacity(byteCapacity)
        entries.reserveCapacity(fieldCapacity)
    }

    /// A block of these fields (tests).
    public init(_ fields: [HTTP2Field]) {
        append(contentsOf: fields)
    }

    public mutating func append(contentsOf fields: [HTTP2Field]) {
        for field in fields { field.name.withUnsafeBytes { name in field.value.withUnsafeBytes { append(name: name, value: $0) } } }
    }

    public var count: Int { entries.count }

    /// Bytes of all names and values together.
    public var byteCount: Int { bytes.count }

    /// Calls `body` with each field's name and value, valid during the call.
    public func forEach(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Void) {
        bytes.withUnsafeBytes { buffer in
            for entry in entries {
                body(UnsafeRawBufferPointer(rebasing: buffer[Int(entry.nameStart)..<Int(entry.nameEnd)]),
                     UnsafeRawBufferPointer(rebasing: buffer[Int(entry.nameEnd)..<Int(entry.valueEnd)]))
            }
        }
    }

    /// Appends a field; with `lowercasingName`, the name's ASCII letters are lowercased as
    /// they are copied (HTTP/2 field names are lowercase).
    public mutating func append(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer, lowercasingName: Bool = false) {
        let nameStart = bytes.count
        if lowercasingName {
            for byte in name { bytes.append(ASCIICase.lower(byte)) }
        } else {
            bytes.append(contentsOf: name)
        }
        let nameEnd = bytes.count
        bytes.append(contentsOf: value)
        entries.append(Entry(nameStart: Int32(nameStart), nameEnd: Int32(nameEnd), valueEnd: Int32(bytes.count)))
    }

    public mutating func append(_ name: StaticString, _ value: UnsafeRawBufferPointer) {
        append(name: UnsafeRawBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount), value: value)
    }

    public mutating func append(_ name: StaticString, _ value: StaticString) {
        append(name, UnsafeRawBufferPointer(start: value.utf8Start, count: value.utf8CodeUnitCount))
    }

    /// A response head's first field, `:status`, written without a string.
    public mutating func appendStatus(_ status: Int) {
        let code = min(max(status, 100), 999)
        let digits: (UInt8, UInt8, UInt8) = (UInt8(48 + code / 100), UInt8(48 + code / 10 % 10), UInt8(48 + code % 10))
        withUnsafeBytes(of: digits) { append(":status", $0) }
    }

    /// A response head of its status alone.
    public static func status(_ status: Int) -> HTTP2FieldBlock {
        var block = HTTP2FieldBlock(byteCapacity: 10, fieldCapacity: 1)
        block.appendStatus(status)
        return block
    }

    /// Whether a field of that (lowercase) name is present.
    public func contains(name: StaticString) -> Bool {
        let wanted = UnsafeRawBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)
        return entries.contains { bytes[Int($0.nameStart)..<Int($0.nameEnd)].elementsEqual(wanted) }
    }

    /// The fields as separate values (tests, fuzzing, diagnostics).
    public var fields: [HTTP2Field] {
        entries.map { HTTP2Field(name: Array(bytes[Int($0.nameStart)..<Int($0.nameEnd)]), value: Array(bytes[Int($0.nameEnd)..<Int($0.valueEnd)])) }
    }
}

import ApusHTTP
