#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The JSON object of a client's `CONNECT`, with nats-server's field names and defaults.
package struct ConnectOptions: Decodable, Sendable, Equatable {
    package var verbose = false
    package var pedantic = false
    package var tlsRequired = false
    package var authToken: String?
    package var user: String?
    package var password: String?
    package var name: String?
    package var language: String?
    package var version: String?
    /// 0: original protocol; 1: the client understands async INFO (cluster/ldm updates).
    package var protocolVersion = 0
    /// `false`: do not deliver this connection's own messages back to it.
    package var echo = true
    package var headers = false
    package var noResponders = false
    package var nkey: String?
    package var signature: String?
    package var jwt: String?

    enum CodingKeys: String, CodingKey {
        case verbose, pedantic, name, lang, version, `protocol`, echo, headers, user, pass, nkey, sig, jwt
        case tlsRequired = "tls_required"
        case authToken = "auth_token"
        case noResponders = "no_responders"
    }

    package init() {}

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        verbose = try container.decodeIfPresent(Bool.self, forKey: .verbose) ?? false
        pedantic = try container.decodeIfPresent(Bool.self, forKey: .pedantic) ?? false
        tlsRequired = try container.decodeIfPresent(Bool.self, forKey: .tlsRequired) ?? false
        authToken = try container.decodeIfPresent(String.self, forKey: .authToken)
        user = try container.decodeIfPresent(String.self, forKey: .user)
        password = try container.decodeIfPresent(String.self, forKey: .pass)
        name = try container.decodeIfPresent(String.self, forKey: .name)
        language = try container.decodeIfPresent(String.self, forKey: .lang)
        version = try container.decodeIfPresent(String.self, forKey: .version)
        protocolVersion = try container.decodeIfPresent(Int.self, forKey: .protocol) ?? 0
        echo = try container.decodeIfPresent(Bool.self, forKey: .echo) ?? true
        headers = try container.decodeIfPresent(Bool.self, forKey: .headers) ?? false
        noResponders = try container.decodeIfPresent(Bool.self, forKey: .noResponders) ?? false
        nkey = try container.decodeIfPresent(String.self, forKey: .nkey)
        signature = try container.decodeIfPresent(String.self, forKey: .sig)
        jwt = try container.decodeIfPresent(String.self, forKey: .jwt)
    }

    /// Decodes the argument of a `CONNECT` line.
    package static func decode(_ bytes: some Collection<UInt8>) throws -> ConnectOptions {
        try JSONDecoder().decode(ConnectOptions.self, from: Data(bytes))
    }
}
