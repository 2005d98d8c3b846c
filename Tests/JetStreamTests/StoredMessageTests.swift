import Testing

@testable import JetStream

@Suite("StoredMessage")
struct StoredMessageTests {
    @Test("stored size counts subject, headers, payload and the record overhead")
    func storedSize() {
        let plain = StoredMessage(sequence: 1, subject: "js.bench", headers: nil, payload: Array(repeating: 0, count: 128), timestamp: 0)
        #expect(plain.storedSize == 30 + 8 + 128)
        #expect(plain.memoryStoredSize == 8 + 128 + 16)
        let withHeaders = StoredMessage(sequence: 2, subject: "a", headers: Array("NATS/1.0\r\n\r\n".utf8), payload: [1], timestamp: 0)
        #expect(withHeaders.storedSize == 34 + 1 + 12 + 1)
    }
}
