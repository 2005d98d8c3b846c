#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The JSON object of a client's `CONNECT`, with nats-server's field names and defaults.
///
/// The defaults are the reference's `defaultOpts` (verbose and pedantic on until CONNECT says
/// otherwise), and a CONNECT only changes the fields it names: nats-server unmarshals it into the
/// options the connection already has.
package struct ConnectOptions: Sendable, Equatable {
    package var verbose = true
    package var pedantic = true
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
    /// Set by old clients to pick an account; nats-server now refuses it.
    package var account: String?
    package var newAccount = false

    enum CodingKeys: String, CodingKey {
        case verbose, pedantic, name, lang, version, `protocol`, echo, headers, user, pass, nkey, sig, jwt
        case tlsRequired = "tls_required"
        case authToken = "auth_token"
        case noResponders = "no_responders"
        case account
        case newAccount = "new_account"
    }

    package init() {}

    /// These options with the fields present in `json` replaced.
    package func updated(with json: some Collection<UInt8>) throws -> ConnectOptions {
        let decoder = JSONDecoder()
        decoder.userInfo[Self.baseKey] = Box(self)
        return try decoder.decode(Decoded.self, from: Data(json)).options
    }

    private static let baseKey = CodingUserInfoKey(rawValue: "outpost.connect.base")!

    private final class Box: @unchecked Sendable {
        let options: ConnectOptions
        init(_ options: ConnectOptions) { self.options = options }
    }

    private struct Decoded: Decodable {
        let options: ConnectOptions

        init(from decoder: any Decoder) throws {
            var options = (decoder.userInfo[ConnectOptions.baseKey] as? Box)?.options ?? ConnectOptions()
            let container = try decoder.container(keyedBy: CodingKeys.self)
            func update<Value: Decodable>(_ value: inout Value, _ key: CodingKeys) throws {
                if let decoded = try container.decodeIfPresent(Value.self, forKey: key) { value = decoded }
            }
            func update<Value: Decodable>(_ value: inout Value?, _ key: CodingKeys) throws {
                if let decoded = try container.decodeIfPresent(Value.self, forKey: key) { value = decoded }
            }
            try update(&options.verbose, .verbose)
            try update(&options.pedantic, .pedantic)
            try update(&options.tlsRequired, .tlsRequired)
            try update(&options.authToken, .authToken)
            try update(&options.user, .user)
            try update(&options.password, .pass)
            try update(&options.name, .name)
            try update(&options.language, .lang)
            try update(&options.version, .version)
            try update(&options.protocolVersion, .protocol)
            try update(&options.echo, .echo)
            try update(&options.headers, .headers)
            try update(&options.noResponders, .noResponders)
            try update(&options.nkey, .nkey)
            try update(&options.signature, .sig)
            try update(&options.jwt, .jwt)
            try update(&options.account, .account)
            try update(&options.newAccount, .newAccount)
            self.options = options
        }
    }

    /// `v1.2.3:python:name` as nats-server shows a client in its log lines (`ncs`).
    package var logDescription: String? {
        var text = ""
        if let version, !version.isEmpty { text = "v" + version }
        if let language, !language.isEmpty { text = text.isEmpty ? language : text + ":" + language }
        if let name, !name.isEmpty { text = text.isEmpty ? name : text + ":" + name }
        return text.isEmpty ? nil : text
    }

    /// `true` when `bytes` is a JSON object (what nats-server requires of INFO from a client).
    package static func isJSONObject(_ bytes: some Collection<UInt8>) -> Bool {
        (try? JSONDecoder().decode(EmptyJSONObject.self, from: Data(bytes))) != nil
    }

    /// Decodes the argument of a first `CONNECT` line, over the defaults.
    package static func decode(_ bytes: some Collection<UInt8>) throws -> ConnectOptions {
        try ConnectOptions().updated(with: bytes)
    }
}

/// Decodes from any JSON object, ignoring its fields.
private struct EmptyJSONObject: Decodable {}
