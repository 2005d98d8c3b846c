import Foundation
import Testing

@testable import NKeys

@Suite("NKeys")
struct NKeysTests {
    /// The pair printed by `nk -gen user -pubout` in the NATS documentation (nkey auth page).
    static let documentedSeed = "SUACSSL3UAHUDXKFSNVUZRF5UHPMWZ6BFDTJ7M6USDXIEDNPPQYYYCU3VY"
    static let documentedPublicKey = "UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4"

    @Test("a documented seed gives its documented public key, and encodes back to itself")
    func knownPair() throws {
        let keys = try NKeys.KeyPair(seed: Self.documentedSeed)
        #expect(keys.role == .user)
        #expect(keys.publicKey == Self.documentedPublicKey)
        #expect(keys.seed == Self.documentedSeed)
    }

    @Test("generated keys have their role's letter and survive the round trip")
    func generated() throws {
        for (role, letter) in [(NKeys.Role.user, "U"), (.account, "A"), (.operator, "O")] {
            let keys = try NKeys.KeyPair(generating: role)
            #expect(keys.publicKey.hasPrefix(letter) && keys.publicKey.count == 56)
            #expect(keys.seed.hasPrefix("S" + letter) && keys.seed.count == 58)
            #expect(try NKeys.KeyPair(seed: keys.seed).publicKey == keys.publicKey)
            #expect(keys.sign([1, 2, 3]).count == 64)
        }
    }

    @Test("damaged seeds are refused, not misread")
    func damaged() {
        var changed = Array(Self.documentedSeed)
        changed[10] = changed[10] == "A" ? "B" : "A"
        #expect(throws: NKeys.Failure.invalidChecksum) { try NKeys.KeyPair(seed: String(changed)) }
        #expect(throws: NKeys.Failure.invalidEncoding) { try NKeys.KeyPair(seed: "SU!!") }
        #expect(throws: NKeys.Failure.notASeed) { try NKeys.KeyPair(seed: Self.documentedPublicKey) }
    }

    @Test("base64 URL without padding, and back")
    func base64URL() {
        #expect(NKeys.base64URL(Array("f".utf8)) == "Zg")
        #expect(NKeys.base64URL(Array("fo".utf8)) == "Zm8")
        #expect(NKeys.base64URL(Array("foo".utf8)) == "Zm9v")
        #expect(NKeys.base64URL([0xFB, 0xFF]) == "-_8")
        #expect(NKeys.unbase64URL("-_8") == [0xFB, 0xFF])
    }

    @Test("a .creds file gives its JWT and seed; a seed that is not the JWT's user is refused")
    func credentials() throws {
        let keys = try NKeys.KeyPair(seed: Self.documentedSeed)
        let claims = NKeys.base64URL(Array("{\"sub\":\"\(keys.publicKey)\"}".utf8))
        let jwt = "eyJhbGciOiJlZDI1NTE5LW5rZXkiLCJ0eXAiOiJKV1QifQ.\(claims).c2ln"
        let text = """
            -----BEGIN NATS USER JWT-----
            \(jwt)
            ------END NATS USER JWT------

            -----BEGIN USER NKEY SEED-----
            \(Self.documentedSeed)
            ------END USER NKEY SEED------
            """
        let parsed = try NKeys.checkedCredentials(text)
        #expect(parsed.jwt == jwt && parsed.seed == Self.documentedSeed)
        let other = try NKeys.KeyPair(generating: .user).seed
        #expect(throws: NKeys.Failure.self) {
            try NKeys.checkedCredentials(text.replacingOccurrences(of: Self.documentedSeed, with: other))
        }
        #expect(throws: NKeys.Failure.self) { try NKeys.parseCredentials("no markers here") }
    }
}
