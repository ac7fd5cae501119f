import ApusHTTP
import Testing

@Suite struct ByteRangeRequestTests {
    @Test(arguments: [
        ("bytes=0-9", 1000, ByteRangeRequest.partial(first: 0, last: 9)),
        ("bytes=990-", 1000, .partial(first: 990, last: 999)),
        ("bytes=-5", 1000, .partial(first: 995, last: 999)),
        ("bytes=-5000", 1000, .partial(first: 0, last: 999)),
        ("bytes=500-2000", 1000, .partial(first: 500, last: 999)),
        ("bytes=999-999", 1000, .partial(first: 999, last: 999)),
        ("bytes=5-99999999999999999999", 1000, .partial(first: 5, last: 999)),
        ("bytes=-99999999999999999999", 1000, .partial(first: 0, last: 999)),
        ("bytes=1000-", 1000, .unsatisfiable),
        ("bytes=1000-2000", 1000, .unsatisfiable),
        ("bytes=99999999999999999999-", 1000, .unsatisfiable),
        ("bytes=-0", 1000, .unsatisfiable),
        ("bytes=0-", 0, .unsatisfiable),
        ("bytes=-5", 0, .unsatisfiable),
        ("bytes=9-5", 1000, .whole),
        ("bytes=0-1,5-9", 1000, .whole),
        ("bytes=--5", 1000, .whole),
        ("bytes=+5-9", 1000, .whole),
        ("bytes= 0-9", 1000, .whole),
        ("bytes=0", 1000, .whole),
        ("bytes=", 1000, .whole),
        ("bytes=-", 1000, .whole),
        ("items=0-9", 1000, .whole),
        ("Bytes=0-9", 1000, .partial(first: 0, last: 9)),
        ("BYTES=-1", 1000, .partial(first: 999, last: 999)),
    ])
    func parse(value: String, size: Int, expected: ByteRangeRequest) {
        #expect(ByteRangeRequest.parse(value, size: size) == expected)
    }
}
