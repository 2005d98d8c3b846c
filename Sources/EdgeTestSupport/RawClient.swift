import Foundation

/// A NATS connection over a plain blocking socket, for sending literal protocol text and
/// reading back exactly what the server wrote (nats-server `test/test.go` style).
public final class RawClient: @unchecked Sendable {
    private let descriptor: Int32
    private var received = Data()
    public private(set) var isClosedByServer = false

    /// Connects to 127.0.0.1:`port`.
    /// - Parameter receiveBuffer: a small kernel receive buffer, for slow-consumer tests.
    public init(port: Int, receiveBuffer: Int? = nil) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw ServerStartError(description: "socket() failed") }
        if var size = receiveBuffer.map({ Int32($0) }) {
            setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(descriptor)
            throw ServerStartError(description: "connect to \(port) failed: \(String(cString: strerror(errno)))")
        }
    }

    deinit { close(descriptor) }

    /// Sends bytes as they are.
    public func send(_ text: String) {
        send(Array(text.utf8))
    }

    public func send(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Foundation.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written <= 0 { return }
            offset += written
        }
    }

    /// Reads until `condition` holds on everything received so far, the server closes, or
    /// `timeout` passes. Returns everything received (not consumed).
    @discardableResult
    public func read(until condition: (String) -> Bool = { _ in false }, timeout: TimeInterval = 2) -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var buffer = [UInt8](repeating: 0, count: 65536)
        while !condition(text) && !isClosedByServer {
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { break }
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(max(1, remaining * 1000)))
            if ready <= 0 { continue }
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count <= 0 {
                isClosedByServer = true
                break
            }
            received.append(contentsOf: buffer[..<count])
        }
        return text
    }

    /// Everything received so far, as text.
    public var text: String { String(decoding: received, as: UTF8.self) }

    /// Reads until `needle` has been received.
    @discardableResult
    public func read(untilContains needle: String, timeout: TimeInterval = 2) -> String {
        read(until: { $0.contains(needle) }, timeout: timeout)
    }

    /// Forgets what was received so far.
    public func clear() { received.removeAll() }

    /// Waits for the server to close the connection; `true` if it did within `timeout`.
    public func waitForClose(timeout: TimeInterval = 2) -> Bool {
        read(until: { _ in false }, timeout: timeout)
        return isClosedByServer
    }

    /// Reads the INFO line and sends CONNECT (and PING, waiting for PONG).
    public func handshake(connect: String = #"{"verbose":false,"pedantic":false,"headers":true,"no_responders":true}"#) throws {
        read(untilContains: "\r\n")
        guard text.hasPrefix("INFO ") else { throw ServerStartError(description: "no INFO: \(text)") }
        clear()
        send("CONNECT \(connect)\r\nPING\r\n")
        read(untilContains: "PONG\r\n")
        guard text.contains("PONG\r\n") else { throw ServerStartError(description: "no PONG after CONNECT: \(text)") }
        clear()
    }
}
