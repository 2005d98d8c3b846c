/// What a client certificate says about who holds it, for `verify_and_map`: its e-mail, DNS and
/// URI subject alternative names and its subject's distinguished name, read from the
/// certificate's DER (the few X.509 structures that carry them, nothing else).
///
/// nats-server maps a certificate to a configured user by trying, in order: each e-mail address,
/// each DNS name, each URI, the subject as a distinguished name equal to a user's name parsed as
/// one (RDNs in any order), then the subject in Go's `pkix` string form ("CN=bob,OU=edge,O=acme").
package struct CertificateIdentity: Sendable, Equatable {
    package var emailAddresses: [String] = []
    package var dnsNames: [String] = []
    package var uris: [String] = []
    /// The subject's RDNs in the certificate's order (most general first, as encoded), each
    /// attribute's type as its dotted OID.
    package var subject: [DistinguishedName.RDN] = []

    package init(emailAddresses: [String] = [], dnsNames: [String] = [], uris: [String] = [], subject: [DistinguishedName.RDN] = []) {
        self.emailAddresses = emailAddresses
        self.dnsNames = dnsNames
        self.uris = uris
        self.subject = subject
    }

    /// Reads a DER-encoded X.509 certificate; nil if it is not one.
    package init?(der: [UInt8]) {
        var reader = DERReader(der)
        guard let certificate = reader.read(tag: 0x30) else { return nil }
        var body = DERReader(certificate)
        guard let tbs = body.read(tag: 0x30) else { return nil }
        var fields = DERReader(tbs)
        if fields.peekTag == 0xA0 { _ = fields.read(tag: 0xA0) }  // version
        guard fields.read(tag: 0x02) != nil,  // serial number
            fields.read(tag: 0x30) != nil,  // signature algorithm
            fields.read(tag: 0x30) != nil,  // issuer
            fields.read(tag: 0x30) != nil,  // validity
            let subject = fields.read(tag: 0x30),
            fields.read(tag: 0x30) != nil  // subject public key info
        else { return nil }
        guard let rdns = Self.rdns(subject) else { return nil }
        self.subject = rdns
        while let tag = fields.peekTag {
            guard let value = fields.read(tag: tag) else { return nil }
            guard tag == 0xA3 else { continue }  // only the extensions matter
            var wrapper = DERReader(value)
            guard let extensions = wrapper.read(tag: 0x30) else { return nil }
            var list = DERReader(extensions)
            while list.peekTag != nil {
                guard let `extension` = list.read(tag: 0x30) else { return nil }
                var parts = DERReader(`extension`)
                guard let oid = parts.read(tag: 0x06) else { return nil }
                if parts.peekTag == 0x01 { _ = parts.read(tag: 0x01) }  // critical
                guard let content = parts.read(tag: 0x04) else { return nil }
                if oid == Self.subjectAlternativeNameOID { readAlternativeNames(content) }
            }
        }
    }

    /// 2.5.29.17
    private static let subjectAlternativeNameOID: [UInt8] = [0x55, 0x1D, 0x11]

    private mutating func readAlternativeNames(_ content: [UInt8]) {
        var outer = DERReader(content)
        guard let names = outer.read(tag: 0x30) else { return }
        var list = DERReader(names)
        while let tag = list.peekTag, let value = list.read(tag: tag) {
            let text = String(decoding: value, as: UTF8.self)
            switch tag {
            case 0x81: emailAddresses.append(text)  // rfc822Name
            case 0x82: dnsNames.append(text)  // dNSName
            case 0x86: uris.append(text)  // uniformResourceIdentifier
            default: break
            }
        }
    }

    private static func rdns(_ name: [UInt8]) -> [DistinguishedName.RDN]? {
        var result: [DistinguishedName.RDN] = []
        var sets = DERReader(name)
        while sets.peekTag != nil {
            guard let set = sets.read(tag: 0x31) else { return nil }
            var rdn: DistinguishedName.RDN = []
            var attributes = DERReader(set)
            while attributes.peekTag != nil {
                guard let attribute = attributes.read(tag: 0x30) else { return nil }
                var parts = DERReader(attribute)
                guard let oid = parts.read(tag: 0x06), let valueTag = parts.peekTag, let value = parts.read(tag: valueTag) else {
                    return nil
                }
                rdn.append(.init(oid: Self.dotted(oid), value: Self.string(tag: valueTag, value) ?? ""))
            }
            result.append(rdn)
        }
        return result
    }

    /// An OID's dotted form ("2.5.4.3").
    static func dotted(_ bytes: [UInt8]) -> String {
        guard let first = bytes.first else { return "" }
        var parts = [first < 80 ? String(first / 40) : "2", String(first < 80 ? first % 40 : first - 80)]
        var value: UInt64 = 0
        for byte in bytes.dropFirst() {
            value = value << 7 | UInt64(byte & 0x7F)
            if byte & 0x80 == 0 {
                parts.append(String(value))
                value = 0
            }
        }
        return parts.joined(separator: ".")
    }

    /// The directory-string types a subject uses.
    private static func string(tag: UInt8, _ value: [UInt8]) -> String? {
        switch tag {
        case 0x0C, 0x13, 0x16, 0x14, 0x12: return String(decoding: value, as: UTF8.self)  // UTF8, Printable, IA5, T61, Numeric
        case 0x1E:  // BMPString: UTF-16BE
            var units: [UInt16] = []
            var index = 0
            while index + 1 < value.count {
                units.append(UInt16(value[index]) << 8 | UInt16(value[index + 1]))
                index += 2
            }
            return String(decoding: units, as: UTF16.self)
        default: return nil
        }
    }

    /// The names nats-server looks up as user names before the distinguished-name match, in its
    /// order.
    package var alternativeNames: [String] { emailAddresses + dnsNames + uris }

    /// The subject as nats-server writes it for the user-name lookup: Go's
    /// `cert.Subject.ToRDNSequence().String()`, which rebuilds the sequence from the fields Go
    /// knows, in its fixed order (C, ST, L, STREET, POSTALCODE, O, OU, CN, SERIALNUMBER; the
    /// values of one type in one RDN), then prints it last RDN first. Other attributes (DC,
    /// UID, ...) are left out.
    package var pkixString: String {
        var values: [String: [String]] = [:]
        for attribute in subject.joined() {
            guard Self.pkixNames[attribute.oid] != nil else { continue }
            // Go keeps the last common name and serial number, every value of the others.
            if attribute.oid == "2.5.4.3" || attribute.oid == "2.5.4.5" {
                values[attribute.oid] = [attribute.value]
            } else {
                values[attribute.oid, default: []].append(attribute.value)
            }
        }
        return Self.pkixOrder.reversed().compactMap { oid -> String? in
            guard let list = values[oid], let name = Self.pkixNames[oid] else { return nil }
            return list.map { "\(name)=\(DistinguishedName.escape($0))" }.joined(separator: "+")
        }.joined(separator: ",")
    }

    /// The pkix string with the subject's domain components appended ("...,DC=example,DC=com"),
    /// which nats-server tries first when there are any.
    package var pkixStringWithDomainComponents: String? {
        let components = subject.joined().filter { $0.oid == "0.9.2342.19200300.100.1.25" }.map { "DC=\($0.value)" }
        guard !components.isEmpty else { return nil }
        return ([pkixString] + components).joined(separator: ",")
    }

    private static let pkixOrder = ["2.5.4.6", "2.5.4.8", "2.5.4.7", "2.5.4.9", "2.5.4.17", "2.5.4.10", "2.5.4.11", "2.5.4.3", "2.5.4.5"]

    private static let pkixNames: [String: String] = [
        "2.5.4.6": "C", "2.5.4.10": "O", "2.5.4.11": "OU", "2.5.4.3": "CN", "2.5.4.5": "SERIALNUMBER",
        "2.5.4.7": "L", "2.5.4.8": "ST", "2.5.4.9": "STREET", "2.5.4.17": "POSTALCODE",
    ]

    /// The subject as a distinguished name with LDAP attribute names, for the match against
    /// users named by their DN.
    package var distinguishedName: DistinguishedName {
        DistinguishedName(
            rdns: subject.reversed().map { rdn in
                rdn.map { .init(oid: Self.ldapNames[$0.oid] ?? $0.oid, value: $0.value) }
            })
    }

    private static let ldapNames: [String: String] = pkixNames.merging([
        "0.9.2342.19200300.100.1.25": "DC", "0.9.2342.19200300.100.1.1": "UID", "1.2.840.113549.1.9.1": "emailAddress",
    ]) { first, _ in first }
}

/// An LDAP distinguished name (RFC 4514): RDNs of `type=value` attributes.
package struct DistinguishedName: Sendable, Equatable {
    package struct Attribute: Sendable, Equatable {
        /// A short name ("CN") or a dotted OID.
        package var oid: String
        package var value: String

        package init(oid: String, value: String) {
            self.oid = oid
            self.value = value
        }

        /// Types compare without case, values exactly (as go-ldap compares them).
        func matches(_ other: Attribute) -> Bool {
            oid.lowercased() == other.oid.lowercased() && value == other.value
        }
    }

    package typealias RDN = [Attribute]
    package var rdns: [RDN]

    package init(rdns: [RDN]) {
        self.rdns = rdns
    }

    /// Parses "CN=bob,OU=edge,O=acme" (`\`-escapes, `+` for multi-valued RDNs); nil if it is
    /// not a distinguished name.
    package init?(parsing text: String) {
        var rdns: [RDN] = []
        var rdn: RDN = []
        var type = ""
        var value = ""
        var inValue = false
        var characters = Array(text)[...]
        func finishAttribute() -> Bool {
            let name = type.trimmingSpaces
            guard inValue, !name.isEmpty else { return false }
            rdn.append(Attribute(oid: name, value: value.trimmingSpaces))
            type = ""
            value = ""
            inValue = false
            return true
        }
        while let character = characters.popFirst() {
            switch character {
            case "\\" where inValue:
                guard let next = characters.popFirst() else { return nil }
                value.append(next)
            case "=" where !inValue:
                inValue = true
            case "+":
                guard finishAttribute() else { return nil }
            case ",", ";":
                guard finishAttribute() else { return nil }
                rdns.append(rdn)
                rdn = []
            default:
                if inValue { value.append(character) } else { type.append(character) }
            }
        }
        guard finishAttribute() else { return nil }
        rdns.append(rdn)
        self.rdns = rdns
    }

    /// Same RDNs, each with the same attributes, in any order (go-ldap's `RDNsMatch`, which
    /// nats-server uses so that a user's DN may list the RDNs in another order).
    package func matchesInAnyOrder(_ other: DistinguishedName) -> Bool {
        guard rdns.count == other.rdns.count else { return false }
        func same(_ a: RDN, _ b: RDN) -> Bool {
            a.count == b.count && a.allSatisfy { x in b.contains { x.matches($0) } } && b.allSatisfy { x in a.contains { x.matches($0) } }
        }
        return rdns.allSatisfy { mine in other.rdns.contains { same(mine, $0) } }
    }

    /// RFC 2253 escaping, as Go's pkix does it.
    static func escape(_ value: String) -> String {
        var escaped = ""
        let characters = Array(value)
        for (index, character) in characters.enumerated() {
            let special =
                ",+\"\\<>;".contains(character)
                || (index == 0 && (character == " " || character == "#"))
                || (index == characters.count - 1 && character == " ")
            if special { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }
}

/// A minimal DER reader: tag (one byte), definite length, contents.
private struct DERReader {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var peekTag: UInt8? { offset < bytes.count ? bytes[offset] : nil }

    /// The contents of the next element if it has `tag`; nil (and nothing consumed) otherwise.
    mutating func read(tag: UInt8) -> [UInt8]? {
        guard offset + 1 < bytes.count, bytes[offset] == tag else { return nil }
        var position = offset + 1
        var length = Int(bytes[position])
        position += 1
        if length & 0x80 != 0 {
            let count = length & 0x7F
            guard count > 0, count <= 4, position + count <= bytes.count else { return nil }
            length = 0
            for _ in 0..<count {
                length = length << 8 | Int(bytes[position])
                position += 1
            }
        }
        guard length >= 0, position + length <= bytes.count else { return nil }
        offset = position + length
        return Array(bytes[position..<position + length])
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        var text = Substring(self)
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return String(text)
    }
}
