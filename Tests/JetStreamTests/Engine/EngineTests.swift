import Testing

@testable import JetStream

@Suite("JetStream engine")
struct EngineTests {
    @Test("create a stream, publish, get PubAcks and stream info")
    func publishAndInfo() throws {
        let harness = try EngineHarness()
        let created = harness.request("$JS.API.STREAM.CREATE.ORDERS", #"{"name":"ORDERS","subjects":["orders.>"]}"#)
        #expect(created["type"] as? String == "io.nats.jetstream.api.v1.stream_create_response")
        let config = created["config"] as? [String: Any]
        #expect(config?["max_msgs"] as? Int == -1)
        #expect(config?["duplicate_window"] as? Int == 120_000_000_000)
        for index in 1...3 {
            let inbox = harness.publish("orders.new", "order \(index)")
            let ack = harness.transport.take().first { $0.destination == inbox }
            #expect(ack?.text == #"{"stream":"ORDERS","seq":\#(index)}"#)
        }
        let info = harness.request("$JS.API.STREAM.INFO.ORDERS")
        let state = info["state"] as? [String: Any]
        #expect(state?["messages"] as? Int == 3)
        #expect(state?["first_seq"] as? Int == 1)
        #expect(state?["last_seq"] as? Int == 3)
        #expect(state?["num_subjects"] as? Int == 1)
    }

    @Test("errors: unknown stream, overlapping subjects, bad JSON")
    func errors() throws {
        let harness = try EngineHarness()
        let missing = harness.request("$JS.API.STREAM.INFO.NOPE")
        #expect((missing["error"] as? [String: Any])?["err_code"] as? Int == 10059)
        _ = harness.request("$JS.API.STREAM.CREATE.A", #"{"name":"A","subjects":["a.>"]}"#)
        let overlap = harness.request("$JS.API.STREAM.CREATE.B", #"{"name":"B","subjects":["a.b"]}"#)
        #expect((overlap["error"] as? [String: Any])?["err_code"] as? Int == 10065)
        let bad = harness.request("$JS.API.STREAM.CREATE.C", "{not json")
        #expect((bad["error"] as? [String: Any])?["err_code"] as? Int == 10025)
        // A mirror with subjects, and a mirror of itself, are refused and never created.
        let withSubjects = harness.request("$JS.API.STREAM.CREATE.M", #"{"name":"M","subjects":["m"],"mirror":{"name":"A"}}"#)
        #expect((withSubjects["error"] as? [String: Any])?["err_code"] as? Int == 10034)
        let itself = harness.request("$JS.API.STREAM.CREATE.M", #"{"name":"M","mirror":{"name":"M"}}"#)
        #expect((itself["error"] as? [String: Any])?["err_code"] as? Int == 10052)
        #expect(harness.request("$JS.API.STREAM.INFO.M")["error"] != nil)
    }

    @Test("dedupe with Nats-Msg-Id, expected last sequence")
    func headers() throws {
        let harness = try EngineHarness()
        _ = harness.request("$JS.API.STREAM.CREATE.D", #"{"name":"D","subjects":["d"]}"#)
        let first = harness.publish("d", "x", headers: [("Nats-Msg-Id", "one")])
        #expect(harness.transport.take().first { $0.destination == first }?.text == #"{"stream":"D","seq":1}"#)
        let second = harness.publish("d", "x", headers: [("Nats-Msg-Id", "one")])
        #expect(harness.transport.take().first { $0.destination == second }?.text == #"{"stream":"D","seq":1,"duplicate":true}"#)
        let wrong = harness.publish("d", "y", headers: [("Nats-Expected-Last-Sequence", "5")])
        let error = harness.transport.take().first { $0.destination == wrong }?.json["error"] as? [String: Any]
        #expect(error?["err_code"] as? Int == 10071)
        #expect(error?["description"] as? String == "wrong last sequence: 1")
    }

    @Test("pull consumer: fetch in order, ack, redelivery after ack wait")
    func pullConsumer() throws {
        let harness = try EngineHarness()
        _ = harness.request("$JS.API.STREAM.CREATE.P", #"{"name":"P","subjects":["p.*"]}"#)
        for index in 1...5 { harness.publish("p.x", "m\(index)") }
        _ = harness.transport.take()
        let created = harness.request(
            "$JS.API.CONSUMER.CREATE.P.worker",
            #"{"stream_name":"P","config":{"durable_name":"worker","ack_policy":"explicit","ack_wait":1000000000}}"#)
        #expect(created["name"] as? String == "worker")
        #expect(created["num_pending"] as? Int == 5)
        harness.publish("$JS.API.CONSUMER.MSG.NEXT.P.worker", #"{"batch":3}"#, reply: "_INBOX.pull")
        let delivered = harness.transport.take().filter { $0.destination == "_INBOX.pull" }
        #expect(delivered.map(\.text) == ["m1", "m2", "m3"])
        #expect(delivered.first?.reply?.hasPrefix("$JS.ACK.P.worker.1.1.1.") == true)
        // Ack the first two.
        for message in delivered.prefix(2) { harness.publish(message.reply!, "+ACK", reply: "") }
        let info = harness.request("$JS.API.CONSUMER.INFO.P.worker")
        #expect(info["num_ack_pending"] as? Int == 1)
        #expect((info["ack_floor"] as? [String: Any])?["stream_seq"] as? Int == 2)
        // The third comes back after its ack wait, with two deliveries counted.
        harness.publish("$JS.API.CONSUMER.MSG.NEXT.P.worker", #"{"batch":1}"#, reply: "_INBOX.pull2")
        #expect(harness.transport.take().filter { $0.destination == "_INBOX.pull2" }.map(\.text) == ["m4"])
        harness.advance(.milliseconds(1100))
        harness.publish("$JS.API.CONSUMER.MSG.NEXT.P.worker", #"{"batch":1}"#, reply: "_INBOX.pull3")
        let redelivered = harness.transport.take().filter { $0.destination == "_INBOX.pull3" }
        #expect(redelivered.map(\.text) == ["m3"])
        #expect(redelivered.first?.reply?.hasPrefix("$JS.ACK.P.worker.2.3.") == true)
    }

    @Test("a pull request whose requester has gone is dropped: its messages stay pending for the next one")
    func pullRequesterGone() throws {
        let harness = try EngineHarness()
        _ = harness.request("$JS.API.STREAM.CREATE.G", #"{"name":"G","subjects":["g"]}"#)
        _ = harness.request(
            "$JS.API.CONSUMER.DURABLE.CREATE.G.c", #"{"stream_name":"G","config":{"durable_name":"c","ack_policy":"explicit"}}"#)
        harness.transport.inboxesHaveInterest = false
        harness.publish("$JS.API.CONSUMER.MSG.NEXT.G.c", #"{"batch":1,"expires":5000000000}"#, reply: "_INBOX.gone")
        harness.publish("g", "m1")
        #expect(harness.transport.take().filter { $0.destination == "_INBOX.gone" }.isEmpty)
        var info = harness.request("$JS.API.CONSUMER.INFO.G.c")
        #expect(info["num_pending"] as? Int == 1)
        #expect(info["num_waiting"] as? Int == 0)
        #expect(info["num_ack_pending"] as? Int == 0)
        harness.transport.interest.insert("_INBOX.here")
        harness.publish("$JS.API.CONSUMER.MSG.NEXT.G.c", #"{"batch":1}"#, reply: "_INBOX.here")
        #expect(harness.transport.take().filter { $0.destination == "_INBOX.here" }.map(\.text) == ["m1"])
        info = harness.request("$JS.API.CONSUMER.INFO.G.c")
        #expect(info["num_ack_pending"] as? Int == 1)
    }

    @Test("pull request with no_wait on nothing gets 404; expiry gets 408")
    func pullStatuses() throws {
        let harness = try EngineHarness()
        _ = harness.request("$JS.API.STREAM.CREATE.E", #"{"name":"E","subjects":["e"]}"#)
        _ = harness.request(
            "$JS.API.CONSUMER.DURABLE.CREATE.E.c", #"{"stream_name":"E","config":{"durable_name":"c","ack_policy":"explicit"}}"#)
        harness.publish("$JS.API.CONSUMER.MSG.NEXT.E.c", #"{"batch":1,"no_wait":true}"#, reply: "_INBOX.nw")
        #expect(harness.transport.take().first { $0.destination == "_INBOX.nw" }?.status == 404)
        harness.publish("$JS.API.CONSUMER.MSG.NEXT.E.c", #"{"batch":1,"expires":200000000}"#, reply: "_INBOX.ex")
        #expect(harness.transport.take().isEmpty)
        harness.advance(.milliseconds(250))
        #expect(harness.transport.take().first { $0.destination == "_INBOX.ex" }?.status == 408)
    }

    @Test("push consumer delivers to its deliver subject when someone listens")
    func pushConsumer() throws {
        let harness = try EngineHarness()
        _ = harness.request("$JS.API.STREAM.CREATE.S", #"{"name":"S","subjects":["s"]}"#)
        harness.publish("s", "one")
        harness.transport.interest.insert("deliver.here")
        _ = harness.transport.take()
        _ = harness.request(
            "$JS.API.CONSUMER.CREATE.S", #"{"stream_name":"S","config":{"deliver_subject":"deliver.here","ack_policy":"none"}}"#)
        harness.loop.run()
        harness.publish("s", "two")
        let delivered = harness.transport.take().filter { $0.destination == "deliver.here" }
        #expect(delivered.map(\.text) == ["one", "two"])
        #expect(delivered.allSatisfy { $0.subject == "s" })
    }

    @Test(
        "push flow control as nats-server: a 2 MiB window of delivery subject, reply, headers and payload, asked for at half, doubling with each answer"
    )
    func pushFlowControlWindow() throws {
        let harness = try EngineHarness()
        _ = harness.request("$JS.API.STREAM.CREATE.F", #"{"name":"F","subjects":["f"]}"#)
        let payload = String(repeating: "x", count: 128)
        for _ in 0..<60_000 { harness.publish("f", payload) }
        harness.transport.interest.insert("fc.here")
        _ = harness.transport.take()
        _ = harness.request(
            "$JS.API.CONSUMER.CREATE.F",
            #"{"stream_name":"F","config":{"deliver_subject":"fc.here","ack_policy":"none","flow_control":true,"idle_heartbeat":1000000000}}"#
        )
        harness.loop.run()

        /// What the window counts for each message (nats-server's `jsPubMsg.size()`).
        func size(_ message: RecordingTransport.Published) -> Int {
            message.destination.utf8.count + (message.reply?.utf8.count ?? 0) + (message.headers?.count ?? 0) + message.payload.count
        }
        /// Checks one round: the request goes out once more than window/2 is pending, delivery
        /// stops once more than window is; returns the bytes still pending after the answer.
        func round(pendingBefore: Int, window: Int) throws -> Int {
            let sent = harness.transport.take().filter { $0.destination == "fc.here" }
            let requestIndex = try #require(sent.firstIndex { $0.status == 100 })
            #expect(sent.filter { $0.status == 100 }.count == 1)
            let messages = sent.filter { $0.status == nil }
            var pending = pendingBefore
            var atRequest: Int?
            for (index, message) in messages.enumerated() {
                pending += size(message)
                if atRequest == nil && pending > window / 2 {
                    atRequest = pending
                    #expect(requestIndex == index + 1, "the request follows the message that passed half the window")
                }
                if index < messages.count - 1 { #expect(pending <= window, "delivery stops once past the window") }
            }
            #expect(pending > window, "delivery went up to the window")
            let reply = try #require(sent[requestIndex].reply)
            #expect(reply.hasPrefix("$JS.FC.F."))
            harness.publish(reply)
            harness.loop.run()
            return pending - (try #require(atRequest))
        }
        var pending = try round(pendingBefore: 0, window: 2 * 1024 * 1024)
        pending = try round(pendingBefore: pending, window: 4 * 1024 * 1024)
        // (A window counted in messages, or one that stays at 2 MiB, fails these rounds.)
        _ = pending
    }

    @Test("limits: max_msgs discards old, discard new refuses")
    func limits() throws {
        let harness = try EngineHarness()
        _ = harness.request("$JS.API.STREAM.CREATE.L", #"{"name":"L","subjects":["l"],"max_msgs":2}"#)
        for index in 1...4 { harness.publish("l", "\(index)") }
        let state = harness.request("$JS.API.STREAM.INFO.L")["state"] as? [String: Any]
        #expect(state?["messages"] as? Int == 2)
        #expect(state?["first_seq"] as? Int == 3)
        _ = harness.request("$JS.API.STREAM.CREATE.N", #"{"name":"N","subjects":["n"],"max_msgs":1,"discard":"new"}"#)
        harness.publish("n", "1")
        let refused = harness.publish("n", "2")
        let error = harness.transport.take().first { $0.destination == refused }?.json["error"] as? [String: Any]
        #expect(error?["description"] as? String == "maximum messages exceeded")
    }
}

@Suite("Ack subjects")
struct AckSubjectTests {
    @Test("v1 and domain forms")
    func parse() {
        let v1 = JetStreamEngine.parseAckSubject("$JS.ACK.ORDERS.worker.2.17.30.1795754403000000000.5")
        #expect(v1.map { String($0.stream) } == "ORDERS")
        #expect(v1.map { String($0.consumer) } == "worker")
        #expect(v1?.sequence == 17)
        let v2 = JetStreamEngine.parseAckSubject("$JS.ACK.edge.ACCHASH.ORDERS.worker.1.9.9.123.0")
        #expect(v2.map { String($0.stream) } == "ORDERS")
        #expect(v2?.sequence == 9)
        #expect(JetStreamEngine.parseAckSubject("$JS.ACK.too.short.1.2") == nil)
        #expect(JetStreamEngine.parseAckSubject("foo.ORDERS.worker.1.9.9.123.0") == nil)
        #expect(JetStreamEngine.parseAckSubject("$JS.ACX.ORDERS.worker.1.9.9.123.0") == nil)
        #expect(JetStreamEngine.parseAckSubject("$JS.AC.ORDERS.worker.1.9.9.123.0") == nil)
    }

    @Test("built as interpolation would, at the limits of each number, and read back")
    func build() {
        let prefix = Array("$JS.ACK.ORDERS.worker.".utf8)
        let cases: [(UInt64, UInt64, UInt64, Int64, UInt64)] = [
            (1, 1, 1, 1_795_754_403_000_000_000, 0),
            (0, 0, 0, 0, 0),
            (9, 10, 99, 100, 1000),
            (UInt64.max, UInt64.max, UInt64.max, Int64.max, UInt64.max),
            (2, 17, 30, -5, 7),
            (3, 4, 5, Int64.min, 6),
        ]
        for (deliveries, sequence, consumerSequence, timestamp, pending) in cases {
            let built = AckSubject.make(
                prefix: prefix, deliveries: deliveries, streamSequence: sequence, consumerSequence: consumerSequence, timestamp: timestamp,
                pending: pending)
            #expect(built == "$JS.ACK.ORDERS.worker.\(deliveries).\(sequence).\(consumerSequence).\(timestamp).\(pending)")
            if timestamp >= 0 { #expect(JetStreamEngine.parseAckSubject(built)?.sequence == sequence) }
        }
    }
}

@Suite("Consumer state codec")
struct ConsumerStateCodecTests {
    @Test("round trip, including redeliveries and out-of-order consumer sequences")
    func roundTrip() {
        let state = Consumer.SavedState(
            deliveredConsumerSequence: 1_000_123,
            deliveredStreamSequence: 2_000_456,
            nextStreamSequence: 2_000_457,
            ackFloorConsumerSequence: 999_000,
            ackFloorStreamSequence: 1_999_000,
            pending: [
                1_999_001: .init(consumerSequence: 1_000_120, timestamp: 1_795_754_403_000_000_000, deliveries: 3),
                1_999_500: .init(consumerSequence: 999_100, timestamp: 1_795_754_402_000_000_000, deliveries: 1),
                2_000_456: .init(consumerSequence: 1_000_123, timestamp: 1_795_754_404_500_000_000, deliveries: 1),
            ],
            initialSequences: [5, 9, 700],
            created: JetStreamTime(nanoseconds: 1_795_754_400_000_000_000)
        )
        let bytes = ConsumerStateCodec.encode(state)
        #expect(ConsumerStateCodec.decode(bytes) == state)
        #expect(bytes.count < 80)
        #expect(ConsumerStateCodec.decode(Array(bytes.dropLast(3))) == nil)
        #expect(ConsumerStateCodec.decode([]) == nil)
    }
}

@Suite("PubAcks")
struct PubAckTests {
    @Test("a PubAck in a domain names it between the stream and the sequence")
    func domainPubAck() throws {
        let harness = try EngineHarness(domain: "edge")
        _ = harness.request("$JS.API.STREAM.CREATE.S", #"{"name":"S","subjects":["s"]}"#)
        let inbox = harness.publish("s", "x")
        #expect(harness.transport.take().first { $0.destination == inbox }?.text == #"{"stream":"S","domain":"edge","seq":1}"#)
    }
}
