import COpenSSL
import CPCRE2
import CShims
import CZlib

/// Versions of the C libraries linked in, for `apus version` and start-up logs.
public enum LibraryVersions {
    public static var openSSL: String { String(validatingCString: copenssl_version_text()) ?? "unknown" }
    public static var zlib: String { String(validatingCString: czlib_version()) ?? "unknown" }
    public static var pcre2: String {
        var buffer = [UInt8](repeating: 0, count: 64)
        let length = buffer.withUnsafeMutableBytes { pcre2_config_8(UInt32(PCRE2_CONFIG_VERSION), $0.baseAddress) }
        return length > 0 ? String(decoding: buffer.prefix(Int(length) - 1), as: UTF8.self) : "unknown"
    }

    /// Creates and frees a TLS server context with the project's minimum version (TLS 1.2),
    /// proving the OpenSSL link works; TLS termination arrives with the next issue.
    public static func openSSLWorks() -> Bool {
        guard let context = SSL_CTX_new(TLS_server_method()) else { return false }
        defer { SSL_CTX_free(context) }
        return copenssl_SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION) == 1
    }

    /// gzip-compresses `input` (zlib deflate, window bits 15+16) and returns the bytes.
    public static func gzip(_ input: [UInt8], level: Int32 = 6) -> [UInt8]? {
        var stream = z_stream()
        guard czlib_deflateInit2(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK else { return nil }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))) + 32)
        var input = input
        let produced: Int? = input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                stream.next_in = inBuffer.baseAddress
                stream.avail_in = uInt(inBuffer.count)
                stream.next_out = outBuffer.baseAddress
                stream.avail_out = uInt(outBuffer.count)
                guard deflate(&stream, Z_FINISH) == Z_STREAM_END else { return nil }
                return outBuffer.count - Int(stream.avail_out)
            }
        }
        guard let produced else { return nil }
        return Array(output.prefix(produced))
    }
}
