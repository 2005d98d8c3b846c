import NIOCore
import NIOHTTP1

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A tiny HTTP/1.1 handler serving the monitoring endpoints as JSON.
package final class MonitoringHTTPHandler: ChannelInboundHandler {
    package typealias InboundIn = HTTPServerRequestPart
    package typealias OutboundOut = HTTPServerResponsePart

    private let endpoints: MonitoringEndpoints
    private var request: HTTPRequestHead?

    package init(endpoints: MonitoringEndpoints) {
        self.endpoints = endpoints
    }

    package func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            request = head
        case .body:
            break
        case .end:
            guard let head = request else { return }
            request = nil
            respond(context: context, head: head)
        }
    }

    private func respond(context: ChannelHandlerContext, head: HTTPRequestHead) {
        let (path, query) = Self.split(head.uri)
        let keepAlive = head.isKeepAlive
        let endpoints = self.endpoints
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        endpoints.countRequest(path)
        let future: EventLoopFuture<(HTTPResponseStatus, Data)> = context.eventLoop.makeFutureWithTask {
            switch path {
            case "/varz":
                return (.ok, try Self.encode(await endpoints.varz()))
            case "/connz":
                return (.ok, try Self.encode(await endpoints.connz(.init(query: query))))
            case "/leafz":
                let subs = query["subs"] ?? ""
                return (.ok, try Self.encode(await endpoints.leafz(subscriptions: subs == "1" || subs == "true" || subs == "detail")))
            case "/jsz":
                return (.ok, try Self.encode(await endpoints.jsz(.init(query: query))))
            case "/subsz", "/subscriptionsz":
                return (.ok, try Self.encode(await endpoints.subsz(.init(query: query))))
            case "/metrics":
                return (.ok, Data((await endpoints.metrics()).utf8))
            case "/accountz":
                return (.ok, try Self.encode(await endpoints.accountz(account: query["acc"])))
            case "/healthz":
                // `?js-enabled-only=true` checks JetStream only where it is enabled (nats-server
                // 2.9 answers ok without JetStream too); a running JetStream here is healthy.
                return (.ok, try Self.encode(endpoints.healthz(), pretty: false))
            case "/":
                return (.ok, Data(StatusPage.html.utf8))
            default:
                return (.notFound, Data("404 page not found\n".utf8))
            }
        }
        future.whenComplete { result in
            let (handler, context) = loopBound.value
            let (status, body): (HTTPResponseStatus, Data)
            switch result {
            case .success(let value): (status, body) = value
            case .failure(let error): (status, body) = (.internalServerError, Data("\(error)\n".utf8))
            }
            let contentType =
                path == "/"
                ? "text/html; charset=utf-8" : path == "/metrics" ? "text/plain; version=0.0.4; charset=utf-8" : "application/json"
            handler.write(context: context, status: status, body: body, contentType: contentType, keepAlive: keepAlive)
        }
    }

    private func write(context: ChannelHandlerContext, status: HTTPResponseStatus, body: Data, contentType: String, keepAlive: Bool) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: String(body.count))
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil)
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let channel = context.channel
            done.whenComplete { _ in channel.close(promise: nil) }
        }
    }

    /// Indented as nats-server's monitor indents, except `/healthz`, which it answers on one line.
    private static func encode<Value: Encodable>(_ value: Value, pretty: Bool = true) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .withoutEscapingSlashes] : [.withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    /// `%24G` → `$G` (and `+` → space, as in a form).
    private static func percentDecoded(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var rest = Array(text.utf8)[...]
        while let byte = rest.popFirst() {
            if byte == UInt8(ascii: "%"), rest.count >= 2,
                let value = UInt8(String(decoding: rest.prefix(2), as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                rest = rest.dropFirst(2)
            } else {
                bytes.append(byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `/connz?subs=1&limit=5` → ("/connz", ["subs": "1", "limit": "5"]).
    static func split(_ uri: String) -> (String, [String: String]) {
        guard let mark = uri.firstIndex(of: "?") else { return (uri, [:]) }
        var query: [String: String] = [:]
        for pair in uri[uri.index(after: mark)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            query[percentDecoded(parts[0])] = parts.count > 1 ? percentDecoded(parts[1]) : ""
        }
        var path = String(uri[..<mark])
        if path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        return (path, query)
    }
}
