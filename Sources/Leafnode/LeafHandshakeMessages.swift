/// The fields of a hub's INFO that a spoke uses (decoded by the session, handed to
/// ``LeafLinkStateMachine/infoReceived(_:)``).
package struct LeafInfoMessage: Decodable, Equatable, Sendable {
    package var serverID: String?
    package var serverName: String?
    package var headers: Bool?
    package var clientID: UInt64?
    package var leafnodeURLs: [String]?
    package var infoOnConnect: Bool?
    package var connectInfo: Bool?
    package var nonce: String?
    package var tlsRequired: Bool?
    package var importPermissions: LeafHubPermissions.Lists?
    package var exportPermissions: LeafHubPermissions.Lists?

    enum CodingKeys: String, CodingKey {
        case headers, nonce
        case importPermissions = "import"
        case exportPermissions = "export"
        case tlsRequired = "tls_required"
        case serverID = "server_id"
        case serverName = "server_name"
        case clientID = "client_id"
        case leafnodeURLs = "leafnode_urls"
        case infoOnConnect = "info_on_connect"
        case connectInfo = "connect_info"
    }

    package init(
        serverID: String? = nil, serverName: String? = nil, headers: Bool? = nil, clientID: UInt64? = nil,
        leafnodeURLs: [String]? = nil, infoOnConnect: Bool? = nil, connectInfo: Bool? = nil, nonce: String? = nil,
        tlsRequired: Bool? = nil, importPermissions: LeafHubPermissions.Lists? = nil, exportPermissions: LeafHubPermissions.Lists? = nil
    ) {
        self.serverID = serverID
        self.serverName = serverName
        self.headers = headers
        self.clientID = clientID
        self.leafnodeURLs = leafnodeURLs
        self.infoOnConnect = infoOnConnect
        self.connectInfo = connectInfo
        self.nonce = nonce
        self.tlsRequired = tlsRequired
        self.importPermissions = importPermissions
        self.exportPermissions = exportPermissions
    }

    /// The hub's permissions, when its INFO carries any.
    package var hubPermissions: LeafHubPermissions? {
        guard importPermissions != nil || exportPermissions != nil else { return nil }
        return LeafHubPermissions(import: importPermissions, export: exportPermissions)
    }
}

/// The fields of a spoke's CONNECT that a hub uses.
package struct LeafConnectMessage: Decodable, Equatable, Sendable {
    package var user: String?
    package var password: String?
    package var serverID: String?
    package var name: String?
    package var cluster: String?
    package var headers: Bool?
    package var denyPublish: [String]?
    package var lang: String?
    package var nkey: String?
    package var signature: String?

    enum CodingKeys: String, CodingKey {
        case user, name, cluster, headers, lang, nkey
        case signature = "sig"
        case password = "pass"
        case serverID = "server_id"
        case denyPublish = "deny_pub"
    }

    package init(
        user: String? = nil, password: String? = nil, serverID: String? = nil, name: String? = nil, cluster: String? = nil,
        headers: Bool? = nil, denyPublish: [String]? = nil, lang: String? = nil, nkey: String? = nil, signature: String? = nil
    ) {
        self.user = user
        self.password = password
        self.serverID = serverID
        self.name = name
        self.cluster = cluster
        self.headers = headers
        self.denyPublish = denyPublish
        self.lang = lang
        self.nkey = nkey
        self.signature = signature
    }
}
