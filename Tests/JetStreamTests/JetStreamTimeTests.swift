import Testing

@testable import JetStream

@Suite("JetStream times")
struct JetStreamTimeTests {
    @Test("timestamps as RFC 3339 with nanoseconds, trailing zeros dropped (Go's time.RFC3339Nano, also /varz's)")
    func timestamps() {
        #expect(JetStreamTime.rfc3339(nanosecondsSince1970: 0) == "1970-01-01T00:00:00Z")
        #expect(JetStreamTime.rfc3339(nanosecondsSince1970: 1_795_754_403_750_431_340) == "2026-11-27T04:40:03.75043134Z")
    }
}
