import Leafnode

/// The `leafnodes` block, as the broker uses it (nats-server `LeafNodeOpts`).
package struct LeafNodeConfiguration: Sendable, Equatable {
    /// Where leafnodes below us connect (`listen`, or `host`/`port`); nil: we accept none.
    package var acceptHost: String?
    package var acceptPort: Int?
    /// The address announced in our INFO's `leafnode_urls` (`advertise`), if not the listener's.
    package var advertise: String?
    /// Who may connect on the leafnode port (`authorization { user, password, users }`);
    /// empty: anyone.
    package var users: [UserCredentials] = []
    /// nkey users (public keys) allowed on the leafnode port.
    package var nkeys: [String] = []
    package var authTimeout: Duration = .seconds(2)
    /// Pause between connection attempts of a remote (`reconnect`; nats-server: 1 s).
    package var reconnectInterval: Duration = .seconds(1)
    package var remotes: [LeafRemoteConfiguration] = []
    /// `tls`: TLS on the leafnode port.
    package var tls: ServerTLS?

    package init() {}
}

/// One entry of `leafnodes.remotes`: the hub we connect up to.
package struct LeafRemoteConfiguration: Sendable, Equatable {
    package var urls: [LeafURL]
    /// Subjects the hub may not send us (`deny_imports`, sent as CONNECT `deny_pub`).
    package var denyImports: [String] = []
    /// Subjects we never send to the hub (`deny_exports`).
    package var denyExports: [String] = []
    /// A user seed that signs the hub's nonce (`nkey`), without a JWT.
    package var nkeySeed: String?
    /// A user JWT and the seed that signs the hub's nonce (`credentials`).
    package var credentials: LeafCredentials?
    /// Core messages on these subjects are journaled and sent through the buffer.
    package var storeAndForward: StoreAndForwardConfiguration?
    /// The local account the link binds (`account`); nil: `$G`.
    package var account: String?
    /// TLS to the hub: set for `tls://` URLs and `tls` blocks; without it, a hub that requires
    /// TLS is refused.
    package var tls: ClientTLS?

    package init(urls: [LeafURL]) {
        self.urls = urls
    }
}

/// A remote's store-and-forward buffer: which subjects, its bounds, its replay rate.
package struct StoreAndForwardConfiguration: Sendable, Equatable {
    package var subjects: [String]
    /// 0: no limit.
    package var maxBytes = 0
    package var maxMessages = 0
    package var maxAge: Duration = .zero
    package var discardNew = false
    /// Bytes per second for sending to the hub; 0: no limit.
    package var rateLimit = 0
    /// The journal file (SQLite).
    package var journalPath: String

    package init(subjects: [String], journalPath: String) {
        self.subjects = subjects
        self.journalPath = journalPath
    }
}

/// The contents of a `.creds` file: the user JWT sent in CONNECT, the seed that signs the nonce.
package struct LeafCredentials: Sendable, Equatable {
    package var jwt: String
    package var seed: String

    package init(jwt: String, seed: String) {
        self.jwt = jwt
        self.seed = seed
    }
}
