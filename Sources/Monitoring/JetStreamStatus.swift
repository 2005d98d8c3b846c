import Broker
import JetStream
import NIOConcurrencyHelpers

/// What /jsz shows, gathered by the JetStream runtime.
package struct JetStreamStatus: Sendable {
    package var maxMemory: Int64
    package var maxStorage: Int64
    package var storeDirectory: String
    package var domain: String?
    package var memory: UInt64
    package var storage: UInt64
    package var streams: Int
    package var consumers: Int
    package var messages: UInt64
    package var bytes: UInt64
    package var apiTotal: UInt64
    package var apiErrors: UInt64
    /// Each account with JetStream, by name.
    package var accounts: [AccountStatus] = []

    /// One account's JetStream (`/jsz` `account_details`).
    package struct AccountStatus: Sendable {
        package var name: String
        package var memory: UInt64
        package var storage: UInt64
        package var apiTotal: UInt64
        package var apiErrors: UInt64
        /// The account's own limits; -1: none.
        package var maxMemory: Int64
        package var maxStorage: Int64
        /// The streams, when details were asked for.
        package var streamDetails: [JetStreamStreamDetail]?

        package init(
            name: String, memory: UInt64, storage: UInt64, apiTotal: UInt64, apiErrors: UInt64, maxMemory: Int64, maxStorage: Int64
        ) {
            self.name = name
            self.memory = memory
            self.storage = storage
            self.apiTotal = apiTotal
            self.apiErrors = apiErrors
            self.maxMemory = maxMemory
            self.maxStorage = maxStorage
        }
    }

    package init(
        maxMemory: Int64, maxStorage: Int64, storeDirectory: String, domain: String?, memory: UInt64, storage: UInt64,
        streams: Int, consumers: Int, messages: UInt64, bytes: UInt64, apiTotal: UInt64, apiErrors: UInt64
    ) {
        self.maxMemory = maxMemory
        self.maxStorage = maxStorage
        self.storeDirectory = storeDirectory
        self.domain = domain
        self.memory = memory
        self.storage = storage
        self.streams = streams
        self.consumers = consumers
        self.messages = messages
        self.bytes = bytes
        self.apiTotal = apiTotal
        self.apiErrors = apiErrors
    }
}

/// Which stream details `/jsz` asks for (`streams=true`, `consumers=true`, `config=true`).
package struct JetStreamDetailRequest: Sendable {
    package var consumers: Bool
    package var config: Bool

    package init(consumers: Bool, config: Bool) {
        self.consumers = consumers
        self.config = config
    }
}

/// Where /jsz and /accountz learn about JetStream: empty until JetStream runs, then filled once
/// by the server that wires the two together (the composition root; the broker knows nothing
/// of JetStream).
package final class JetStreamStatusSource: Sendable {
    package typealias Provider = @Sendable (JetStreamDetailRequest?) async -> JetStreamStatus?

    private let state = NIOLockedValueBox<(provider: Provider?, accountNames: Set<String>)>((nil, []))

    package init() {}

    /// JetStream runs, in these accounts.
    package func set(accountNames: Set<String>, provider: @escaping Provider) {
        state.withLockedValue { $0 = (provider, accountNames) }
    }

    /// The accounts JetStream runs in, for `/accountz`.
    package var accountNames: Set<String> { state.withLockedValue { $0.accountNames } }

    /// nil without JetStream.
    package func status(details: JetStreamDetailRequest?) async -> JetStreamStatus? {
        guard let provider = state.withLockedValue({ $0.provider }) else { return nil }
        return await provider(details)
    }
}

extension GoFormat {
    /// RFC 3339 with nanoseconds, trailing zeros dropped, in UTC: `2026-11-28T04:50:03.75043134Z`
    /// (Go's `time.RFC3339Nano`, as JetStream's JSON writes it too).
    package static func timestamp(_ instant: WallClock.Instant) -> String {
        JetStreamTime.rfc3339(nanosecondsSince1970: instant.nanosecondsSince1970)
    }
}

extension Jsz.Config {
    /// JetStream's limits and store, as `/jsz` and `/varz` show them.
    init(_ status: JetStreamStatus) {
        self.init(maxMemory: status.maxMemory, maxStorage: status.maxStorage, storeDirectory: status.storeDirectory, domain: status.domain)
    }
}
