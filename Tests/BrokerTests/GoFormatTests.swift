import Testing

@testable import Broker

@Suite("Go-formatted times and durations")
struct GoFormatTests {
    @Test("durations as Go's time.Duration.String()")
    func durations() {
        #expect(GoFormat.duration(nanoseconds: 0) == "0s")
        #expect(GoFormat.duration(nanoseconds: 999) == "999ns")
        #expect(GoFormat.duration(nanoseconds: 496_000) == "496µs")
        #expect(GoFormat.duration(nanoseconds: 1_500_000) == "1.5ms")
        #expect(GoFormat.duration(nanoseconds: 500_000_000) == "500ms")
        #expect(GoFormat.duration(nanoseconds: 2_000_001_000) == "2.000001s")
        #expect(GoFormat.duration(nanoseconds: 90_000_000_000) == "1m30s")
        #expect(GoFormat.duration(nanoseconds: 7_200_000_000_000) == "2h0m0s")
    }

    @Test("uptimes as nats-server prints them")
    func uptimes() {
        #expect(GoFormat.uptime(seconds: 0) == "0s")
        #expect(GoFormat.uptime(seconds: 65) == "1m5s")
        #expect(GoFormat.uptime(seconds: 3605) == "1h0m5s")
        #expect(GoFormat.uptime(seconds: 2 * 86400 + 3 * 3600 + 4 * 60 + 5) == "2d3h4m5s")
    }
}
