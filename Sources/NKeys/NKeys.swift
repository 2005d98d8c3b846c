#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// NATS nkeys (github.com/nats-io/nkeys, as its README and the server describe them): Ed25519
/// keys written in base32 with a one-letter role prefix and a CRC-16 — `S...` seeds, `U...`
/// users, `A...` accounts, `O...` operators — and the `.creds` files that carry a user JWT and
/// its seed. Written for the leafnode uplink, which signs the hub's nonce with a user seed.
///
/// Ed25519 comes from the system's libcrypto (OpenSSL 3), loaded with `dlopen` the first time a
/// key is used: linking a crypto library into the binary cost 1.1 MB of resident memory on every
/// server, with or without credentials (measured with swift-crypto), where most boards never use it.
public enum NKeys {
    /// The role letter's prefix byte.
    public enum Role: UInt8, Sendable {
        case user = 160  // 'U' = 20 << 3
        case account = 0  // 'A'
        case `operator` = 112  // 'O' = 14 << 3
        case server = 104  // 'N' = 13 << 3
    }

    static let seedPrefix: UInt8 = 144  // 'S' = 18 << 3

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case invalidEncoding, invalidChecksum, notASeed, invalidCredentials(String), cryptoUnavailable

        public var description: String {
            switch self {
            case .invalidEncoding: return "not valid base32"
            case .invalidChecksum: return "checksum mismatch"
            case .notASeed: return "not an nkey seed"
            case .invalidCredentials(let why): return why
            case .cryptoUnavailable:
                return "Ed25519 needs the system's libcrypto (libcrypto.so.3, Debian package libssl3), which could not be loaded"
            }
        }
    }

    /// A key pair made from a seed (`SU...`).
    public struct KeyPair: Sendable {
        public let role: Role
        private let seedBytes: [UInt8]
        /// The raw Ed25519 public key.
        private let publicBytes: [UInt8]

        /// Reads an encoded seed.
        public init(seed: String) throws(Failure) {
            let raw = try NKeys.decodeChecked(seed)
            guard raw.count == 34, raw[0] & 0xF8 == NKeys.seedPrefix else { throw .notASeed }
            let prefix = ((raw[0] & 0x07) << 5) | ((raw[1] & 0xF8) >> 3)
            guard let role = Role(rawValue: prefix) else { throw .notASeed }
            try self.init(role: role, seed: Array(raw[2...]))
        }

        /// A new random key pair (tests make operators, accounts and users with it).
        public init(generating role: Role) throws(Failure) {
            var generator = SystemRandomNumberGenerator()
            try self.init(role: role, seed: (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
        }

        private init(role: Role, seed: [UInt8]) throws(Failure) {
            guard let crypto = LibCrypto.shared else { throw .cryptoUnavailable }
            guard let publicKey = crypto.publicKey(seed: seed) else { throw .notASeed }
            self.role = role
            self.seedBytes = seed
            self.publicBytes = publicKey
        }

        /// The encoded public key (`U...`).
        public var publicKey: String {
            NKeys.encodeChecked([role.rawValue] + publicBytes)
        }

        /// The encoded seed (`SU...`).
        public var seed: String {
            NKeys.encodeChecked([NKeys.seedPrefix | (role.rawValue >> 5), (role.rawValue & 31) << 3] + seedBytes)
        }

        /// Ed25519 signature of `data` (64 bytes; empty if libcrypto failed).
        public func sign(_ data: [UInt8]) -> [UInt8] {
            LibCrypto.shared?.sign(data, seed: seedBytes) ?? []
        }
    }

    /// Whether `signature` is `publicKey`'s (encoded, `U...`) Ed25519 signature of `data`.
    public static func verify(publicKey: String, signature: [UInt8], data: [UInt8]) -> Bool {
        guard let raw = try? decodeChecked(publicKey), raw.count == 33, let crypto = LibCrypto.shared else { return false }
        return crypto.verify(signature, of: data, publicKey: Array(raw[1...]))
    }

    /// The user JWT and seed of a `.creds` file: each is the first line after its
    /// `-----BEGIN ...-----` marker.
    public static func parseCredentials(_ text: String) throws(Failure) -> (jwt: String, seed: String) {
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingSpaces }
        var jwt: String?
        var seed: String?
        for (index, line) in lines.enumerated() where line.hasPrefix("---") && line.contains("BEGIN") {
            guard let value = lines[(index + 1)...].first(where: { !$0.isEmpty && !$0.hasPrefix("---") }) else { continue }
            if line.contains("JWT") && jwt == nil { jwt = value }
            if line.contains("SEED") && seed == nil { seed = value }
        }
        guard let jwt else { throw .invalidCredentials("no user JWT (-----BEGIN NATS USER JWT-----) in the credentials") }
        guard let seed else { throw .invalidCredentials("no nkey seed (-----BEGIN USER NKEY SEED-----) in the credentials") }
        return (jwt, seed)
    }

    /// The `sub` claim of a JWT (whose key the seed must be), or nil if the JWT cannot be read.
    public static func jwtSubject(_ jwt: String) -> String? {
        let parts = jwt.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let payload = unbase64URL(String(parts[1])) else { return nil }
        struct Claims: Decodable { var sub: String? }
        return (try? JSONDecoder().decode(Claims.self, from: Data(payload)))?.sub
    }

    /// A credentials file's JWT and seed, checked: the seed must be the JWT's user.
    public static func checkedCredentials(_ text: String) throws(Failure) -> (jwt: String, seed: String) {
        let (jwt, seed) = try parseCredentials(text)
        let keys = try KeyPair(seed: seed)
        guard let subject = jwtSubject(jwt) else { throw .invalidCredentials("the user JWT cannot be read") }
        guard subject == keys.publicKey else {
            throw .invalidCredentials("the seed is not the key of the JWT's user (\(subject))")
        }
        return (jwt, seed)
    }

    // MARK: - Encoding

    /// Decodes base64 (URL or standard alphabet, padding optional).
    public static func unbase64URL(_ text: String) -> [UInt8]? {
        var values: [UInt8] = []
        for character in text.utf8 {
            switch character {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): values.append(character - 65)
            case UInt8(ascii: "a")...UInt8(ascii: "z"): values.append(character - 71)
            case UInt8(ascii: "0")...UInt8(ascii: "9"): values.append(character + 4)
            case UInt8(ascii: "-"), UInt8(ascii: "+"): values.append(62)
            case UInt8(ascii: "_"), UInt8(ascii: "/"): values.append(63)
            case UInt8(ascii: "="): continue
            default: return nil
            }
        }
        var out: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for value in values {
            buffer = buffer << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                out.append(UInt8(buffer >> UInt32(bits - 8) & 0xFF))
                bits -= 8
            }
        }
        return out
    }

    /// Base64 URL encoding without padding (JWT parts, nonce signatures).
    public static func base64URL(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count * 4 + 2) / 3)
        var index = 0
        while index + 2 < bytes.count {
            let n = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], alphabet[Int(n & 63)]]
            index += 3
        }
        let rest = bytes.count - index
        if rest == 1 {
            let n = UInt32(bytes[index]) << 16
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)]]
        } else if rest == 2 {
            let n = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)]]
        }
        return String(decoding: out, as: UTF8.self)
    }

    static let base32Alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    static func encodeChecked(_ raw: [UInt8]) -> String {
        let crc = crc16(raw)
        return base32(raw + [UInt8(crc & 0xFF), UInt8(crc >> 8)])
    }

    static func decodeChecked(_ text: String) throws(Failure) -> [UInt8] {
        guard let bytes = unbase32(text), bytes.count > 2 else { throw .invalidEncoding }
        let raw = Array(bytes.dropLast(2))
        let stored = UInt16(bytes[bytes.count - 2]) | UInt16(bytes[bytes.count - 1]) << 8
        guard crc16(raw) == stored else { throw .invalidChecksum }
        return raw
    }

    static func base32(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for byte in bytes {
            buffer = buffer << 8 | UInt32(byte)
            bits += 8
            while bits >= 5 {
                out.append(base32Alphabet[Int(buffer >> UInt32(bits - 5) & 31)])
                bits -= 5
            }
        }
        if bits > 0 { out.append(base32Alphabet[Int(buffer << UInt32(5 - bits) & 31)]) }
        return String(decoding: out, as: UTF8.self)
    }

    static func unbase32(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for character in text.utf8 {
            guard let value = base32Alphabet.firstIndex(of: character) else { return nil }
            buffer = buffer << 5 | UInt32(value)
            bits += 5
            if bits >= 8 {
                out.append(UInt8(buffer >> UInt32(bits - 8) & 0xFF))
                bits -= 8
            }
        }
        return out
    }

    /// CRC-16/XMODEM (polynomial 0x1021, initial 0), as nkeys checksums.
    static func crc16(_ bytes: [UInt8]) -> UInt16 {
        var crc: UInt16 = 0
        for byte in bytes {
            crc ^= UInt16(byte) << 8
            for _ in 0..<8 { crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1 }
        }
        return crc
    }
}

extension Substring {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed())
    }
}

/// The few OpenSSL 3 functions Ed25519 needs, looked up in the system's libcrypto on first use.
final class LibCrypto: @unchecked Sendable {  // immutable after init; OpenSSL is thread-safe
    private typealias NewRawPrivateKey = @convention(c) (Int32, OpaquePointer?, UnsafePointer<UInt8>?, Int) -> OpaquePointer?
    private typealias GetRawPublicKey = @convention(c) (OpaquePointer?, UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<Int>?) -> Int32
    private typealias FreeKey = @convention(c) (OpaquePointer?) -> Void
    private typealias NewContext = @convention(c) () -> OpaquePointer?
    private typealias FreeContext = @convention(c) (OpaquePointer?) -> Void
    private typealias DigestSignInit =
        @convention(c) (OpaquePointer?, UnsafeMutablePointer<OpaquePointer?>?, OpaquePointer?, OpaquePointer?, OpaquePointer?) -> Int32
    private typealias DigestSign =
        @convention(c) (OpaquePointer?, UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<Int>?, UnsafePointer<UInt8>?, Int) -> Int32
    private typealias NewRawPublicKey = @convention(c) (Int32, OpaquePointer?, UnsafePointer<UInt8>?, Int) -> OpaquePointer?
    private typealias DigestVerifyInit =
        @convention(c) (OpaquePointer?, UnsafeMutablePointer<OpaquePointer?>?, OpaquePointer?, OpaquePointer?, OpaquePointer?) -> Int32
    private typealias DigestVerify = @convention(c) (OpaquePointer?, UnsafePointer<UInt8>?, Int, UnsafePointer<UInt8>?, Int) -> Int32

    /// `EVP_PKEY_ED25519` (`NID_ED25519`).
    private static let ed25519: Int32 = 1087

    private let newRawPrivateKey: NewRawPrivateKey
    private let getRawPublicKey: GetRawPublicKey
    private let freeKey: FreeKey
    private let newContext: NewContext
    private let freeContext: FreeContext
    private let digestSignInit: DigestSignInit
    private let digestSign: DigestSign
    private let newRawPublicKey: NewRawPublicKey
    private let digestVerifyInit: DigestVerifyInit
    private let digestVerify: DigestVerify

    static let shared: LibCrypto? = LibCrypto()

    private init?() {
        guard let library = dlopen("libcrypto.so.3", RTLD_NOW | RTLD_LOCAL) ?? dlopen("libcrypto.so", RTLD_NOW | RTLD_LOCAL) else {
            return nil
        }
        func symbol<T>(_ name: String, as type: T.Type) -> T? {
            guard let pointer = dlsym(library, name) else { return nil }
            return unsafeBitCast(pointer, to: type)
        }
        guard let newRawPrivateKey = symbol("EVP_PKEY_new_raw_private_key", as: NewRawPrivateKey.self),
            let getRawPublicKey = symbol("EVP_PKEY_get_raw_public_key", as: GetRawPublicKey.self),
            let freeKey = symbol("EVP_PKEY_free", as: FreeKey.self),
            let newContext = symbol("EVP_MD_CTX_new", as: NewContext.self),
            let freeContext = symbol("EVP_MD_CTX_free", as: FreeContext.self),
            let digestSignInit = symbol("EVP_DigestSignInit", as: DigestSignInit.self),
            let digestSign = symbol("EVP_DigestSign", as: DigestSign.self),
            let newRawPublicKey = symbol("EVP_PKEY_new_raw_public_key", as: NewRawPublicKey.self),
            let digestVerifyInit = symbol("EVP_DigestVerifyInit", as: DigestVerifyInit.self),
            let digestVerify = symbol("EVP_DigestVerify", as: DigestVerify.self)
        else { return nil }
        self.newRawPublicKey = newRawPublicKey
        self.digestVerifyInit = digestVerifyInit
        self.digestVerify = digestVerify
        self.newRawPrivateKey = newRawPrivateKey
        self.getRawPublicKey = getRawPublicKey
        self.freeKey = freeKey
        self.newContext = newContext
        self.freeContext = freeContext
        self.digestSignInit = digestSignInit
        self.digestSign = digestSign
    }

    func publicKey(seed: [UInt8]) -> [UInt8]? {
        guard seed.count == 32, let key = seed.withUnsafeBufferPointer({ newRawPrivateKey(Self.ed25519, nil, $0.baseAddress, 32) }) else {
            return nil
        }
        defer { freeKey(key) }
        var output = [UInt8](repeating: 0, count: 32)
        var length = 32
        guard getRawPublicKey(key, &output, &length) == 1, length == 32 else { return nil }
        return output
    }

    func sign(_ data: [UInt8], seed: [UInt8]) -> [UInt8]? {
        guard let key = seed.withUnsafeBufferPointer({ newRawPrivateKey(Self.ed25519, nil, $0.baseAddress, 32) }) else { return nil }
        defer { freeKey(key) }
        guard let context = newContext() else { return nil }
        defer { freeContext(context) }
        guard digestSignInit(context, nil, nil, nil, key) == 1 else { return nil }
        var signature = [UInt8](repeating: 0, count: 64)
        var length = 64
        let status = data.withUnsafeBufferPointer { digestSign(context, &signature, &length, $0.baseAddress, data.count) }
        return status == 1 && length == 64 ? signature : nil
    }

    func verify(_ signature: [UInt8], of data: [UInt8], publicKey: [UInt8]) -> Bool {
        guard signature.count == 64, publicKey.count == 32,
            let key = publicKey.withUnsafeBufferPointer({ newRawPublicKey(Self.ed25519, nil, $0.baseAddress, 32) })
        else { return false }
        defer { freeKey(key) }
        guard let context = newContext() else { return false }
        defer { freeContext(context) }
        guard digestVerifyInit(context, nil, nil, nil, key) == 1 else { return false }
        return signature.withUnsafeBufferPointer { signatureBytes in
            data.withUnsafeBufferPointer { digestVerify(context, signatureBytes.baseAddress, 64, $0.baseAddress, data.count) == 1 }
        }
    }
}
