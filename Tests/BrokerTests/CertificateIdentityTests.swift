import Testing

@testable import Broker

@Suite("Certificate identity (verify_and_map)")
struct CertificateIdentityTests {
    /// openssl req -x509 ... -subj "/C=US/O=Outpost, Inc./OU=edge/CN=bob/DC=example"
    ///   -addext "subjectAltName=email:alice@example.com,DNS:sensor-1.example.com,URI:spiffe://edge/sensor-1"
    static let der: [UInt8] = Array(
        base64:
            "MIICXDCCAgGgAwIBAgIUI6qPg39IllWuvUQBP5p+0sYGfQcwCgYIKoZIzj0EAwIwWzELMAkGA1UEBhMCVVMxFjAUBgNVBAoMDU91dHBvc3QsIEluYy4xDTALBgNVBAsMBGVkZ2UxDDAKBgNVBAMMA2JvYjEXMBUGCgmSJomT8ixkARkWB2V4YW1wbGUwIBcNMjYxMTI4MTcwNjM2WhgPMjEyNjExMDQxNzA2MzZaMFsxCzAJBgNVBAYTAlVTMRYwFAYDVQQKDA1PdXRwb3N0LCBJbmMuMQ0wCwYDVQQLDARlZGdlMQwwCgYDVQQDDANib2IxFzAVBgoJkiaJk/IsZAEZFgdleGFtcGxlMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEn9FXagBPQP8diPwEipVl/tBh3b7Vs9KjaXyuMV8SFaOwhiHeqKTWwXhqGbG9OvFlVTiBvQD+jGxUynPXso7YoaOBoDCBnTAdBgNVHQ4EFgQUGhYMppBmLErsNuF8ClUBKJuNGY4wHwYDVR0jBBgwFoAUGhYMppBmLErsNuF8ClUBKJuNGY4wDwYDVR0TAQH/BAUwAwEB/zBKBgNVHREEQzBBgRFhbGljZUBleGFtcGxlLmNvbYIUc2Vuc29yLTEuZXhhbXBsZS5jb22GFnNwaWZmZTovL2VkZ2Uvc2Vuc29yLTEwCgYIKoZIzj0EAwIDSQAwRgIhAOSg+6qIEMB9NLCm84zhkBENEYGRpOvfW+OPhe4qmZvfAiEAmCe0hZ8AM9J1eNyryRliHcXgw4YXwow4gkSm/ugaWMM="
    )

    @Test("the alternative names and the subject are read from the DER")
    func reads() throws {
        let identity = try #require(CertificateIdentity(der: Self.der))
        #expect(identity.emailAddresses == ["alice@example.com"])
        #expect(identity.dnsNames == ["sensor-1.example.com"])
        #expect(identity.uris == ["spiffe://edge/sensor-1"])
        #expect(
            identity.subject.map { $0.map(\.oid) } == [
                ["2.5.4.6"], ["2.5.4.10"], ["2.5.4.11"], ["2.5.4.3"], ["0.9.2342.19200300.100.1.25"],
            ])
        #expect(identity.subject.map { $0.map(\.value) } == [["US"], ["Outpost, Inc."], ["edge"], ["bob"], ["example"]])
        // Go's pkix form: its fields in its order, last first, the comma escaped, DC left out
        // (and appended in the second form).
        #expect(identity.pkixString == #"CN=bob,OU=edge,O=Outpost\, Inc.,C=US"#)
        #expect(identity.pkixStringWithDomainComponents == #"CN=bob,OU=edge,O=Outpost\, Inc.,C=US,DC=example"#)
        let reordered = CertificateIdentity(subject: [
            [.init(oid: "2.5.4.3", value: "x")], [.init(oid: "2.5.4.10", value: "a")], [.init(oid: "2.5.4.10", value: "b")],
            [.init(oid: "2.5.4.6", value: "DE")],
        ])
        #expect(reordered.pkixString == "CN=x,O=a+O=b,C=DE")
        #expect(reordered.pkixStringWithDomainComponents == nil)
    }

    @Test("truncated or foreign bytes are no certificate, and no crash")
    func rejectsGarbage() {
        #expect(CertificateIdentity(der: []) == nil)
        #expect(CertificateIdentity(der: Array(Self.der.prefix(100))) == nil)
        #expect(CertificateIdentity(der: [0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF]) == nil)
        for cut in stride(from: 1, to: Self.der.count, by: 7) {
            _ = CertificateIdentity(der: Array(Self.der.prefix(cut)))
        }
    }

    @Test("a user's DN matches the certificate's subject with the RDNs in any order, types without case, values exactly")
    func distinguishedNames() throws {
        let subject = try #require(CertificateIdentity(der: Self.der)).distinguishedName
        for text in [
            #"DC=example,CN=bob,OU=edge,O=Outpost\, Inc.,C=US"#, #"C=US,O=Outpost\, Inc.,OU=edge,CN=bob,DC=example"#,
            #"cn=bob, ou=edge, o=Outpost\, Inc., c=US, dc=example"#,
        ] {
            #expect(try #require(DistinguishedName(parsing: text)).matchesInAnyOrder(subject), "\(text)")
        }
        for text in [#"CN=bob,OU=edge,O=Outpost\, Inc.,C=US"#, #"DC=example,CN=Bob,OU=edge,O=Outpost\, Inc.,C=US"#, "alice@example.com"] {
            #expect(DistinguishedName(parsing: text)?.matchesInAnyOrder(subject) != true, "\(text)")
        }
        #expect(DistinguishedName(parsing: "CN=a+UID=b,O=c")?.rdns.map(\.count) == [2, 1])
        #expect(DistinguishedName(parsing: "CN=a,,O=c") == nil)
    }

    @Test("the user is found as nats-server looks: e-mail, DNS, URI, the subject as a DN, the pkix string")
    func mapping() throws {
        let identity = try #require(CertificateIdentity(der: Self.der))
        func user(_ name: String) -> UserCredentials { UserCredentials(user: name, password: "") }
        let dn = user(#"CN=bob,DC=example,OU=edge,O=Outpost\, Inc.,C=US"#)
        let pkix = user(identity.pkixString)
        let pkixWithDC = user(try #require(identity.pkixStringWithDomainComponents))
        #expect(
            Broker.user(
                mappedFrom: identity, among: [dn, user("spiffe://edge/sensor-1"), user("sensor-1.example.com"), user("alice@example.com")],
                connectionType: "STANDARD")?.user == "alice@example.com")
        #expect(
            Broker.user(
                mappedFrom: identity, among: [dn, user("spiffe://edge/sensor-1"), user("sensor-1.example.com")], connectionType: "STANDARD")?
                .user == "sensor-1.example.com")
        #expect(
            Broker.user(mappedFrom: identity, among: [dn, user("spiffe://edge/sensor-1")], connectionType: "STANDARD")?.user
                == "spiffe://edge/sensor-1")
        #expect(Broker.user(mappedFrom: identity, among: [pkix, dn], connectionType: "STANDARD")?.user == dn.user)
        #expect(Broker.user(mappedFrom: identity, among: [pkix], connectionType: "STANDARD")?.user == pkix.user)
        #expect(Broker.user(mappedFrom: identity, among: [pkix, pkixWithDC], connectionType: "STANDARD")?.user == pkixWithDC.user)
        #expect(Broker.user(mappedFrom: identity, among: [user("bob"), user("CN=bob")], connectionType: "STANDARD") == nil)
        var websocketOnly = user("alice@example.com")
        websocketOnly.allowedConnectionTypes = ["WEBSOCKET"]
        #expect(Broker.user(mappedFrom: identity, among: [websocketOnly], connectionType: "STANDARD") == nil)
        #expect(Broker.user(mappedFrom: CertificateIdentity(), among: [user(""), pkix], connectionType: "STANDARD") == nil)
    }
}

extension Array where Element == UInt8 {
    init(base64 text: String) {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var values = [UInt8](repeating: 0xFF, count: 256)
        for (index, character) in alphabet.enumerated() { values[Int(character)] = UInt8(index) }
        var bytes: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for character in text.utf8 where values[Int(character)] != 0xFF {
            buffer = buffer << 6 | UInt32(values[Int(character)])
            bits += 6
            if bits >= 8 {
                bits -= 8
                bytes.append(UInt8((buffer >> UInt32(bits)) & 0xFF))
            }
        }
        self = bytes
    }
}
