/// The INFO lines (nats-server `server/server.go`, `copyInfo` and `generateClientInfoJSON`).
extension Broker {
    /// The INFO JSON for one client connection, fields in nats-server's order.
    package func clientInfoJSON(clientID: UInt64, clientIP: String, nonce: String?, isWebSocket: Bool, lameDuck: Bool) -> String {
        var json = infoPreamble(host: configuration.host, port: configuration.port)
        let authentication = self.authentication
        if authentication.isRequired && noAuthUserClient() == nil {
            json.add("auth_required", true)
        }
        if let tls = clientTLS, !isWebSocket {
            if !tls.allowsNonTLS || tls.handshakeFirst { json.add("tls_required", true) }
            if tls.verifyClients { json.add("tls_verify", true) }
            if tls.allowsNonTLS && !tls.handshakeFirst { json.add("tls_available", true) }
        }
        json.add("max_payload", configuration.maxPayload)
        if configuration.jetStreamEnabled { json.add("jetstream", true) }
        if configuration.jetStreamEnabled, let domain = configuration.jetStreamDomain, !domain.isEmpty { json.add("domain", domain) }
        json.add("client_id", Int(clientID))
        json.add("client_ip", clientIP)
        if let nonce { json.add("nonce", nonce) }
        if lameDuck { json.add("ldm", true) }
        return json.finished()
    }

    /// The fields every INFO starts with (client and leafnode ports), in nats-server's order.
    package func infoPreamble(host: String, port: Int) -> JSONWriter {
        var json = JSONWriter()
        json.add("server_id", configuration.serverID)
        json.add("server_name", configuration.serverName)
        json.add("version", BrokerConfiguration.protocolFeatureLevel)
        json.add("proto", BrokerConfiguration.protocolVersion)
        json.add("go", "outpost \(configuration.outpostVersion)")
        json.add("host", host)
        json.add("port", port)
        json.add("headers", configuration.headersSupported)
        return json
    }
}
