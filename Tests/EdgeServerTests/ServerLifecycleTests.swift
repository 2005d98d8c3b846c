import Broker
import EdgeServer
import EdgeTestSupport
import Foundation
import Logging
import ServiceLifecycle
import Testing

/// The composition root in-process: the services start, serve and stop as a group, and a part
/// that fails to start takes down what the others had started.
@Suite("Server lifecycle (services)")
struct ServerLifecycleTests {
    static func settings(storeDirectory: String?) -> OutpostServer.Settings {
        var broker = BrokerConfiguration(serverName: "lifecycle", serverID: ServerIdentity.randomServerID(), outpostVersion: "test")
        broker.host = "127.0.0.1"
        broker.port = -1
        var settings = OutpostServer.Settings(broker: broker, eventLoopCount: 1)
        settings.jetStream = storeDirectory.map { JetStreamSettings(storeDirectory: $0, isDefaultDirectory: false) }
        return settings
    }

    static var logger: Logger {
        var logger = Logger(label: "lifecycle-test")
        logger.logLevel = .critical
        return logger
    }

    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("outpost-lifecycle-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path + "/jetstream", withIntermediateDirectories: true)
        return path
    }

    /// Whether a client can connect to the port now (a PING answered with PONG).
    static func serves(port: Int) -> Bool {
        guard let client = try? RawClient(port: port) else { return false }
        client.send("CONNECT {}\r\nPING\r\n")
        return client.read(untilContains: "PONG\r\n", timeout: 2).contains("PONG")
    }

    @Test("a JetStream store that cannot be opened fails the start, and the client port bound before it is closed again")
    func failedStartUnwinds() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data("this is not a database".utf8).write(to: URL(fileURLWithPath: directory + "/jetstream/outpost.db"))
        let server = try await OutpostServer.prepare(settings: Self.settings(storeDirectory: directory), logger: Self.logger)
        let port = server.broker.configuration.port
        #expect(port > 0)
        let group = ServiceGroup(configuration: .init(services: server.services, logger: Self.logger))
        await #expect(throws: (any Error).self) { try await group.run() }
        // Checked while the event loops still run (shutting them down would close everything).
        #expect((try? RawClient(port: port)) == nil, "the listener bound before the failure is closed")
        await server.shutDown(logger: Self.logger)
        // The directory is unlocked: another server may take it.
        try Data().write(to: URL(fileURLWithPath: directory + "/jetstream/outpost.db"))
        try FileManager.default.removeItem(atPath: directory + "/jetstream/outpost.db")
        let again = try await OutpostServer.prepare(settings: Self.settings(storeDirectory: directory), logger: Self.logger)
        let secondGroup = ServiceGroup(configuration: .init(services: again.services, logger: Self.logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await secondGroup.run() }
            var served = false
            for _ in 0..<100 where !served {
                served = Self.serves(port: again.broker.configuration.port)
                if !served { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(served, "a server started on the same directory serves")
            await secondGroup.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        await again.shutDown(logger: Self.logger)
    }

    @Test("started as a group: it serves once ready, and a graceful shutdown closes the port")
    func startAndStop() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try await OutpostServer.prepare(settings: Self.settings(storeDirectory: directory), logger: Self.logger)
        let port = server.broker.configuration.port
        #expect(!Self.serves(port: port), "nothing is accepted before the services run")
        let group = ServiceGroup(configuration: .init(services: server.services, logger: Self.logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var served = false
            for _ in 0..<100 where !served {
                served = Self.serves(port: port)
                if !served { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(served)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        await server.shutDown(logger: Self.logger)
        #expect((try? RawClient(port: port)) == nil)
    }
}
