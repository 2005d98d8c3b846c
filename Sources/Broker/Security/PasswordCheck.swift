#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Checks a password offered in CONNECT against a configured one: plain text compared in
/// constant time, or a bcrypt hash (`$2a$`, `$2b$`, `$2y$`, as nats-server accepts them, made
/// with `nats server passwd` or any bcrypt tool).
///
/// bcrypt comes from the system's libcrypt (libxcrypt on Debian), loaded with `dlopen` the first
/// time a hash is checked, so a server without bcrypt users never maps it.
enum PasswordCheck {
    static func isBcryptHash(_ configured: String) -> Bool {
        configured.hasPrefix("$2a$") || configured.hasPrefix("$2b$") || configured.hasPrefix("$2y$")
    }

    static func matches(offered: String, configured: String) -> Bool {
        guard isBcryptHash(configured) else { return constantTimeEquals(offered, configured) }
        guard let computed = Bcrypt.shared?.hash(offered, setting: configured) else { return false }
        return constantTimeEquals(computed, configured)
    }
}

/// libcrypt's `crypt_rn`: thread-safe, with the caller's scratch space.
private final class Bcrypt: Sendable {
    private typealias CryptRN =
        @convention(c) (
            UnsafePointer<CChar>, UnsafePointer<CChar>, UnsafeMutableRawPointer, Int32
        ) -> UnsafeMutablePointer<CChar>?

    private let cryptRN: CryptRN
    /// `sizeof(struct crypt_data)` in libxcrypt.
    private static let scratchSize = 32768

    static let shared: Bcrypt? = Bcrypt()

    private init?() {
        guard let library = dlopen("libcrypt.so.1", RTLD_NOW | RTLD_LOCAL) ?? dlopen("libcrypt.so", RTLD_NOW | RTLD_LOCAL),
            let symbol = dlsym(library, "crypt_rn")
        else { return nil }
        cryptRN = unsafeBitCast(symbol, to: CryptRN.self)
    }

    /// The hash of `password` with the salt and cost of `setting` (a full hash works), or nil.
    func hash(_ password: String, setting: String) -> String? {
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: Self.scratchSize, alignment: 16)
        defer {
            scratch.initializeMemory(as: UInt8.self, repeating: 0, count: Self.scratchSize)  // no password left behind
            scratch.deallocate()
        }
        scratch.initializeMemory(as: UInt8.self, repeating: 0, count: Self.scratchSize)
        guard let result = cryptRN(password, setting, scratch, Int32(Self.scratchSize)) else { return nil }
        let text = String(cString: result)
        // libxcrypt answers a failure with a string starting with "*".
        return text.hasPrefix("*") ? nil : text
    }
}
