import Leafnode
import NIOCore
import NKeys

/// Who a connection is: clients' CONNECT checked against the `authorization` block, leafnode
/// peers' against the leafnode port's, slow hashes on a bounded pool.
extension Broker {
    /// Who a CONNECT proves to be, or `nil` for "Authorization Violation": a token, a user and
    /// password (plain or bcrypt), or an nkey user's signature of the nonce we sent (`nonce`).
    /// Plain passwords and tokens are compared in constant time.
    /// `certificate`: on a `verify_and_map` listener, what the client's certificate says (the
    /// user then comes from it, not from CONNECT, unless CONNECT proves an nkey user).
    package func authenticate(
        _ options: ConnectOptions, nonce: String?, connectionType: String, certificate: CertificateIdentity? = nil
    ) -> AuthenticatedClient? {
        let authentication = self.authentication
        guard authentication.isRequired else { return AuthenticatedClient(account: globalAccount, user: nil) }
        if let token = authentication.token {
            guard let offered = options.authToken, constantTimeEquals(offered, token) else { return nil }
            return AuthenticatedClient(account: globalAccount, user: nil)
        }
        if let certificate, options.nkey == nil || !authentication.hasNKeyUsers {
            // As nats-server: the certificate names the user, and a password configured for that
            // user must still be sent (a user without one: no password, or an empty one).
            guard let user = Self.user(mappedFrom: certificate, among: authentication.users, connectionType: connectionType),
                PasswordCheck.matches(offered: options.password ?? "", configured: user.password)
            else { return nil }
            return AuthenticatedClient(account: account(named: user.account), user: user)
        }
        if options.user == nil && options.password == nil && options.authToken == nil && options.nkey == nil {
            return noAuthUserClient(connectionType: connectionType)
        }
        if let nkey = options.nkey, authentication.hasNKeyUsers {
            guard let nonce, let user = authentication.users.first(where: { $0.nkey == nkey && $0.allows(connectionType) }),
                let signature = options.signature.flatMap(Self.decodeSignature),
                NKeys.verify(publicKey: nkey, signature: signature, data: Array(nonce.utf8))
            else { return nil }
            return AuthenticatedClient(account: account(named: user.account), user: user)
        }
        guard let name = options.user, let password = options.password,
            let user = authentication.users.first(where: { $0.nkey == nil && $0.user == name && $0.allows(connectionType) }),
            PasswordCheck.matches(offered: password, configured: user.password)
        else { return nil }
        return AuthenticatedClient(account: account(named: user.account), user: user)
    }

    /// The user a certificate names, tried as nats-server tries them: each e-mail address, DNS
    /// name and URI as a user name; the subject as a distinguished name equal to a user's (its
    /// RDNs in any order); the subject in Go's pkix string form as a user name, with its domain
    /// components appended and then without.
    static func user(
        mappedFrom certificate: CertificateIdentity, among users: [UserCredentials], connectionType: String
    ) -> UserCredentials? {
        let candidates = users.filter { $0.nkey == nil && !$0.user.isEmpty && $0.allows(connectionType) }
        for name in certificate.alternativeNames where !name.isEmpty {
            if let user = candidates.first(where: { $0.user == name }) { return user }
        }
        let subject = certificate.distinguishedName
        if !subject.rdns.isEmpty {
            for user in candidates {
                if let named = DistinguishedName(parsing: user.user), named.matchesInAnyOrder(subject) { return user }
            }
        }
        for name in [certificate.pkixStringWithDomainComponents, certificate.pkixString].compactMap({ $0 }) where !name.isEmpty {
            if let user = candidates.first(where: { $0.user == name }) { return user }
        }
        return nil
    }

    /// Whether checking `options` means a bcrypt hash (slow: done on the password pool). On a
    /// `verify_and_map` listener (`certificate`) any password sent is checked that way: the
    /// certificate, not CONNECT, names the user whose password it is.
    package func needsSlowPasswordCheck(_ options: ConnectOptions, certificate: CertificateIdentity? = nil) -> Bool {
        if certificate != nil && options.password != nil { return true }
        guard let name = options.user, options.password != nil else { return false }
        let authentication = self.authentication
        if authentication.token != nil || (options.nkey != nil && authentication.hasNKeyUsers) { return false }
        return authentication.users.contains { $0.nkey == nil && $0.user == name && PasswordCheck.isBcryptHash($0.password) }
    }

    /// A CONNECT `sig`: base64url without padding, as clients send it; standard base64 is
    /// accepted too, as nats-server does.
    private static func decodeSignature(_ text: String) -> [UInt8]? {
        if let bytes = NKeys.unbase64URL(text) { return bytes }
        let urlForm = String(
            text.compactMap { character -> Character? in
                switch character {
                case "+": "-"
                case "/": "_"
                case "=": nil
                default: character
                }
            })
        return NKeys.unbase64URL(urlForm)
    }

    /// The `no_auth_user`, if one is configured and exists.
    package func noAuthUserClient(connectionType: String = "STANDARD") -> AuthenticatedClient? {
        let authentication = self.authentication
        guard let noAuthUser = authentication.noAuthUser,
            let user = authentication.users.first(where: { $0.nkey == nil && $0.user == noAuthUser && $0.allows(connectionType) })
        else { return nil }
        return AuthenticatedClient(account: account(named: user.account), user: user)
    }

    // MARK: - Leafnode port

    /// The account a leafnode peer's CONNECT binds, or `nil` when the leafnode port's users and
    /// nkeys refuse it: an nkey user proves itself by signing the nonce of our INFO; a user and
    /// password binds that user's account. Without users or nkeys anyone is let in (to `$G`).
    package func authenticateLink(_ connect: LeafConnectMessage, nonce: String) -> Account? {
        let users = configuration.leafNodes?.users ?? []
        let nkeys = configuration.leafNodes?.nkeys ?? []
        if users.isEmpty && nkeys.isEmpty { return globalAccount }
        if let nkey = connect.nkey {
            let signature = connect.signature.flatMap { NKeys.unbase64URL($0) } ?? []
            return nkeys.contains(nkey) && NKeys.verify(publicKey: nkey, signature: signature, data: Array(nonce.utf8))
                ? globalAccount : nil
        }
        let matched = users.first { user in
            guard let offered = connect.user, constantTimeEquals(offered, user.user) else { return false }
            return PasswordCheck.matches(offered: connect.password ?? "", configured: user.password)
        }
        return matched.map { account(named: $0.account) }
    }

    package func needsSlowLinkCheck(_ connect: LeafConnectMessage) -> Bool {
        guard connect.nkey == nil, let offered = connect.user else { return false }
        return configuration.leafNodes?.users.contains { $0.user == offered && PasswordCheck.isBcryptHash($0.password) } ?? false
    }

    // MARK: - The password pool

    /// Most password checks waiting for the pool at once; past it a CONNECT is refused rather
    /// than queued (a flood of bcrypt CONNECTs must not pile up without bound).
    package static let maxPendingPasswordChecks = 256

    package func checkCredentials<Result: Sendable>(
        on loop: any EventLoop, refusal: Result, _ check: @escaping @Sendable () -> Result, then body: @escaping @Sendable (Result) -> Void
    ) {
        guard let passwordPool else {
            body(check())
            return
        }
        let pending = pendingPasswordChecks.add(1, ordering: .relaxed).newValue
        guard pending <= Self.maxPendingPasswordChecks else {
            pendingPasswordChecks.subtract(1, ordering: .relaxed)
            logger.warning(
                "Password checks waiting: more than \(Self.maxPendingPasswordChecks) (max_pending_password_checks); connection refused")
            loop.execute { body(refusal) }
            return
        }
        passwordPool.submit { [self] in
            let result = check()
            pendingPasswordChecks.subtract(1, ordering: .relaxed)
            loop.execute { body(result) }
        }
    }
}

/// Threads for work that may block for a while (bcrypt at cost 11 takes 0.1 s and more on a
/// Pi): the executable supplies a pool with a fixed number of threads.
package protocol BlockingWorkPool: Sendable {
    func submit(_ work: @escaping @Sendable () -> Void)
}

/// Compares secrets without an early exit, so timing does not reveal how much matched.
func constantTimeEquals(_ offered: String, _ expected: String) -> Bool {
    let a = Array(offered.utf8)
    let b = Array(expected.utf8)
    var difference = UInt8(a.count == b.count ? 0 : 1)
    let count = max(a.count, b.count)
    for index in 0..<count {
        let x = index < a.count ? a[index] : 0
        let y = index < b.count ? b[index] : 0
        difference |= x ^ y
    }
    return difference == 0
}
