import Testing

@testable import JetStream

/// Header edits for sourced messages (Stream+Publish.storeSourced).
@Suite("Header editing")
struct HeaderEditingTests {
    private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    @Test("setting a field replaces an existing one and keeps the others; no block makes one")
    func setting() {
        let block = Array("NATS/1.0\r\nA: 1\r\nNats-Stream-Source: OLD 3\r\nB: 2\r\n\r\n".utf8)
        #expect(
            text(NATSHeaders.setting("Nats-Stream-Source", to: "ORIG 7", in: block))
                == "NATS/1.0\r\nA: 1\r\nB: 2\r\nNats-Stream-Source: ORIG 7\r\n\r\n")
        #expect(text(NATSHeaders.setting("Nats-Stream-Source", to: "ORIG 1", in: nil)) == "NATS/1.0\r\nNats-Stream-Source: ORIG 1\r\n\r\n")
    }

    @Test("appending keeps every existing field, a same-named one too; no block or an empty one makes one")
    func appending() {
        let block = Array("NATS/1.0\r\nNats-Stream: MINE\r\nA: 1\r\n\r\n".utf8)
        #expect(
            text(NATSHeaders.appending([("Nats-Stream", "S"), ("Nats-Sequence", "4")], to: block))
                == "NATS/1.0\r\nNats-Stream: MINE\r\nA: 1\r\nNats-Stream: S\r\nNats-Sequence: 4\r\n\r\n")
        #expect(text(NATSHeaders.appending([("Nats-Stream", "S")], to: nil)) == "NATS/1.0\r\nNats-Stream: S\r\n\r\n")
        #expect(text(NATSHeaders.appending([("Nats-Stream", "S")], to: [])) == "NATS/1.0\r\nNats-Stream: S\r\n\r\n")
    }

    @Test("removing the Nats-Expected- fields, whatever their case, keeps the status line and the rest")
    func removing() {
        let block = Array("NATS/1.0\r\nNats-Expected-Last-Subject-Sequence: 4\r\nKV-Op: PUT\r\nnats-expected-stream: KV_x\r\n\r\n".utf8)
        #expect(text(NATSHeaders.removing(prefix: "Nats-Expected-", from: block)) == "NATS/1.0\r\nKV-Op: PUT\r\n\r\n")
    }
}
