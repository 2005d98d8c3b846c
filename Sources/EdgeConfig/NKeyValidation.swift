/// Checks that a string is a public NATS nkey of a given kind, as `nkeys.IsValidPublicUserKey`
/// and friends do: base32 without padding, a prefix byte naming the kind, 32 key bytes and a
/// CRC-16 (XMODEM) checksum, little-endian.
package enum NKeyValidation {
    /// The kinds of public key a configuration names.
    package enum Kind: UInt8, Sendable {
        /// `U...`, a user.
        case user = 160  // 20 << 3
        /// `A...`, an account.
        case account = 0  // 0 << 3
        /// `O...`, an operator.
        case `operator` = 112  // 14 << 3
        /// `N...`, a server.
        case server = 104  // 13 << 3
        /// `X...`, a curve (xkey) key.
        case curve = 184  // 23 << 3
    }

    /// Whether `key` is a valid public key of `kind`.
    package static func isValidPublicKey(_ key: String, kind: Kind) -> Bool {
        guard let raw = base32Decode(key), raw.count == 35 else { return false }
        let payload = Array(raw[0..<33])
        let checksum = UInt16(raw[33]) | UInt16(raw[34]) << 8
        guard crc16(payload) == checksum else { return false }
        return raw[0] & 0xF8 == kind.rawValue
    }

    private static func base32Decode(_ text: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        var buffer: UInt32 = 0
        var bitCount = 0
        for scalar in text.unicodeScalars {
            let value: UInt32
            switch scalar {
            case "A"..."Z": value = scalar.value - 65
            case "2"..."7": value = scalar.value - 50 + 26
            default: return nil
            }
            buffer = (buffer << 5) | value
            bitCount += 5
            if bitCount >= 8 {
                bitCount -= 8
                bytes.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bitCount)))
            }
        }
        return bytes
    }

    private static func crc16(_ bytes: [UInt8]) -> UInt16 {
        var crc: UInt16 = 0
        for byte in bytes {
            crc ^= UInt16(byte) << 8
            for _ in 0..<8 {
                crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1
            }
        }
        return crc
    }
}
