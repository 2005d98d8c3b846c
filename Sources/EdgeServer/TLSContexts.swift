import Broker
import EdgeConfig
import NIOSSL

/// The TLS contexts of the client port, the leafnode port and each leafnode remote, made from
/// their `tls` blocks at start. A file that cannot be read or used stops the start with an
/// error naming the block's file, line and key.
package struct TLSContexts: Sendable {
    package var clientPort: ServerTLS?
    package var leafPort: ServerTLS?
    /// wss:// on the WebSocket listener.
    package var webSocket: ServerTLS?
    /// By remote index; only remotes with a `tls` block or a `tls://` URL.
    package var remotes: [Int: ClientTLS] = [:]

    package init() {}

    package static func load(from configuration: ServerConfiguration) -> Result<TLSContexts, ConfigError> {
        var contexts = TLSContexts()
        do throws(ConfigError) {
            if let settings = configuration.tlsSettings {
                contexts.clientPort = try server(settings)
                contexts.clientPort?.allowsNonTLS = configuration.allowNonTLS
            }
            if let settings = configuration.leafNodeSettings?.tls { contexts.leafPort = try server(settings) }
            if let settings = configuration.webSocketSettings?.tls { contexts.webSocket = try server(settings) }
            for (index, remote) in (configuration.leafNodeSettings?.remotes ?? []).enumerated()
            where remote.tls != nil || remote.urls.contains(where: \.requiresTLS) {
                var settings = remote.tls ?? TLSSettings()
                if remote.tls == nil { settings.keyPath = "leafnodes.remotes[\(index)].url" }
                contexts.remotes[index] = try client(settings)
            }
        } catch {
            return .failure(error)
        }
        return .success(contexts)
    }

    /// A listener's context: our certificate and key; with `verify`, clients must present a
    /// certificate signed by `ca_file`'s roots.
    static func server(_ settings: TLSSettings) throws(ConfigError) -> ServerTLS {
        guard let certificateFile = settings.certificateFile, let keyFile = settings.keyFile else {
            throw failure(settings, "missing 'cert_file' and 'key_file': a TLS listener needs both")
        }
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try certificates(certificateFile, settings).map { .certificate($0) },
            privateKey: .privateKey(try privateKey(keyFile, settings))
        )
        if let caFile = settings.caFile { tls.trustRoots = .certificates(try certificates(caFile, settings)) }
        let verify = settings.verify || settings.verifyAndMap
        if verify {
            guard settings.caFile != nil else {
                throw failure(settings, "'verify' needs 'ca_file': the roots client certificates are checked against")
            }
            tls.certificateVerification = .noHostnameVerification
        } else {
            tls.certificateVerification = .none
        }
        return ServerTLS(
            context: try context(tls, settings), verifyClients: verify,
            handshakeTimeout: settings.timeout, handshakeFirst: settings.handshakeFirst, mapsCertificateToUser: settings.verifyAndMap)
    }

    /// A remote's context: the hub's certificate checked against `ca_file` (else the system's
    /// roots) and its name, unless `insecure`; our certificate if the hub asks for one.
    static func client(_ settings: TLSSettings) throws(ConfigError) -> ClientTLS {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile = settings.caFile { tls.trustRoots = .certificates(try certificates(caFile, settings)) }
        if settings.insecure { tls.certificateVerification = .none }
        switch (settings.certificateFile, settings.keyFile) {
        case (let certificateFile?, let keyFile?):
            tls.certificateChain = try certificates(certificateFile, settings).map { .certificate($0) }
            tls.privateKey = .privateKey(try privateKey(keyFile, settings))
        case (nil, nil):
            break
        default:
            throw failure(settings, "'cert_file' and 'key_file' go together")
        }
        return ClientTLS(context: try context(tls, settings), serverName: settings.serverName, handshakeTimeout: settings.timeout)
    }

    private static func certificates(_ path: String, _ settings: TLSSettings) throws(ConfigError) -> [NIOSSLCertificate] {
        do {
            let loaded = try NIOSSLCertificate.fromPEMFile(path)
            guard !loaded.isEmpty else { throw failure(settings, "no certificate in \(path)") }
            return loaded
        } catch let error as ConfigError {
            throw error
        } catch {
            throw failure(settings, "error loading certificate \(path): \(error)")
        }
    }

    private static func privateKey(_ path: String, _ settings: TLSSettings) throws(ConfigError) -> NIOSSLPrivateKey {
        do {
            return try NIOSSLPrivateKey(file: path, format: .pem)
        } catch {
            throw failure(settings, "error loading private key \(path): \(error)")
        }
    }

    private static func context(_ configuration: TLSConfiguration, _ settings: TLSSettings) throws(ConfigError) -> NIOSSLContext {
        var configuration = configuration
        applyAlgorithms(settings, to: &configuration)
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw failure(settings, "error making the TLS context (does the key match the certificate?): \(error)")
        }
    }

    /// `cipher_suites`, `curve_preferences`, `min_version`. TLS 1.2 at least, as nats-server
    /// (swift-nio-ssl would take 1.0). As in Go, the suites restrict TLS 1.2 only (TLS 1.3's
    /// are fixed); a list of TLS 1.3 suites alone leaves TLS 1.2 nothing, so it means TLS 1.3 only.
    static func applyAlgorithms(_ settings: TLSSettings, to configuration: inout TLSConfiguration) {
        configuration.minimumTLSVersion = settings.minimumVersion == "1.3" ? .tlsv13 : .tlsv12
        if let suites = settings.cipherSuites, !suites.isEmpty {
            let legacy = suites.filter { !TLSAlgorithmNames.isTLS13($0) }
            if legacy.isEmpty {
                configuration.minimumTLSVersion = .tlsv13
            } else {
                configuration.cipherSuiteValues = legacy.map { NIOTLSCipher(rawValue: $0) }
            }
        }
        if let curves = settings.curves, !curves.isEmpty {
            configuration.curves = curves.map { NIOTLSCurve(rawValue: $0) }
        }
    }

    private static func failure(_ settings: TLSSettings, _ text: String) -> ConfigError {
        ConfigError(.invalidValue, text, at: settings.position, key: settings.keyPath)
    }
}
