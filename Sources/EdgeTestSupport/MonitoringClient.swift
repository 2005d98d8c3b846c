import Foundation

/// Reads the monitoring endpoints (HTTP on loopback) as JSON objects.
public enum MonitoringClient {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// GET `path` from 127.0.0.1:`port`; the body parsed as a JSON object.
    public static func get(port: Int, path: String, timeout: TimeInterval = 5) throws -> [String: Any] {
        let body = try getText(port: port, path: path, timeout: timeout)
        guard let object = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] else {
            throw Failure(description: "\(path): not a JSON object: \(body.prefix(200))")
        }
        return object
    }

    /// GET `path`; the response body as text (plain HTTP/1.0 over a socket, no client library).
    public static func getText(port: Int, path: String, timeout: TimeInterval = 5) throws -> String {
        let client = try RawClient(port: port)
        client.send("GET \(path) HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        _ = client.waitForClose(timeout: timeout)
        let response = client.text
        guard let split = response.range(of: "\r\n\r\n") else {
            throw Failure(description: "\(path): no HTTP response: \(response.prefix(200))")
        }
        let status = response[..<split.lowerBound].split(separator: "\r\n").first ?? ""
        guard status.contains(" 200 ") else { throw Failure(description: "\(path): \(status)") }
        return String(response[split.upperBound...])
    }
}
