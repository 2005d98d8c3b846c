import Leafnode
import NKeys

/// The INFO and CONNECT a leafnode link writes, fields in nats-server's order.
extension LeafSession {
    /// The INFO a hub sends on its leafnode port; with `connectInfo`, the answer to CONNECT.
    func infoJSON(connectInfo: Bool) -> String {
        let configuration = host.configuration
        let leafNodes = configuration.leafNodes
        let host = leafNodes?.acceptHost ?? configuration.host
        let port = leafNodes?.acceptPort ?? 0
        var json = self.host.infoPreamble(host: host, port: port)
        json.add("auth_required", true)
        if let tls = leafNodes?.tls {
            json.add("tls_required", true)
            if tls.verifyClients { json.add("tls_verify", true) }
        }
        json.add("max_payload", configuration.maxPayload)
        if configuration.jetStreamEnabled { json.add("jetstream", true) }
        json.add("client_id", Int(transport.id))
        if connectInfo {
            json.add("connect_info", true)
            json.add("remote_account", account.name)
        } else {
            if case .accepted(let listener) = link.role { json.add("nonce", listener.nonce) }
            if configuration.jetStreamEnabled, let domain = configuration.jetStreamDomain, !domain.isEmpty { json.add("domain", domain) }
            json.add("info_on_connect", true)
            let advertised = leafNodes?.advertise ?? "\(host == "0.0.0.0" || host.isEmpty ? "127.0.0.1" : host):\(port)"
            json.add("leafnode_urls", strings: [advertised])
        }
        return json.finished()
    }

    /// The CONNECT a spoke sends (nats-server `leafConnectInfo`).
    func connectJSON(url: LeafURL, remote: LeafRemote, nonce: String?) -> String {
        let configuration = host.configuration
        var json = JSONWriter()
        json.add("version", BrokerConfiguration.protocolFeatureLevel)
        // One key signs the nonce: the credentials' user (its JWT names it), or the bare nkey.
        // Seeds were checked at start-up; the hub refuses a missing or bad signature.
        let credentials = remote.configuration.credentials
        if let seed = credentials?.seed ?? remote.configuration.nkeySeed, let keys = try? NKeys.KeyPair(seed: seed) {
            if let credentials { json.add("jwt", credentials.jwt) } else { json.add("nkey", keys.publicKey) }
            if let nonce { json.add("sig", NKeys.base64URL(keys.sign(Array(nonce.utf8)))) }
        }
        if let user = url.user { json.add("user", user) }
        if let password = url.password { json.add("pass", password) }
        json.add("tls_required", transport.isTLS)
        json.add("server_id", configuration.serverID)
        if configuration.jetStreamEnabled, let domain = configuration.jetStreamDomain, !domain.isEmpty { json.add("domain", domain) }
        json.add("name", configuration.serverName)
        // nats-server: a server with remotes and no cluster takes its name as cluster name.
        json.add("cluster", configuration.serverName)
        json.add("headers", configuration.headersSupported)
        if configuration.jetStreamEnabled { json.add("jetstream", true) }
        if !remote.configuration.denyImports.isEmpty { json.add("deny_pub", strings: remote.configuration.denyImports) }
        return json.finished()
    }
}
