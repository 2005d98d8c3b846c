import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// A port that could not be bound, said as nats-server says it: which listener, which address,
/// and the system's reason (`Error listening on port: 127.0.0.1:4222, "listen tcp
/// 127.0.0.1:4222: bind: address already in use"`).
struct ListenFailure: Error, CustomStringConvertible {
    enum Listener {
        case client, leafnode, webSocket, monitoring
    }

    let listener: Listener
    let host: String
    let port: Int
    let reason: String

    var description: String {
        let cause = "listen tcp \(host):\(port): \(reason)"
        switch listener {
        case .client: return "Error listening on port: \(host):\(port), \"\(cause)\""
        case .leafnode: return "Error listening on leafnode port: \(port) - \(cause)"
        case .webSocket: return "Unable to listen for websocket connections: \(cause)"
        case .monitoring: return "Can't start monitoring: can't listen to the monitor port: \(cause)"
        }
    }

    /// Runs `bind`; a failure becomes a ``ListenFailure`` naming `listener`, `host` and `port`.
    static func naming<Bound>(_ listener: Listener, host: String, port: Int, _ bind: () async throws -> Bound) async throws -> Bound {
        do {
            return try await bind()
        } catch let error as IOError {
            // "bind: address already in use", as Go words errno.
            let text = String(cString: strerror(error.errnoCode)).lowercased()
            throw ListenFailure(listener: listener, host: host, port: port, reason: "bind: \(text)")
        } catch {
            throw ListenFailure(listener: listener, host: host, port: port, reason: "\(error)")
        }
    }
}
