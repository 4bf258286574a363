// SPDX-License-Identifier: Apache-2.0
import PDPServer
import Testing
import TestSupport

@Suite struct FuzzTests {
    static let acceptedStatuses: Set<Int> = [200, 400, 401, 403, 404, 405, 413, 417, 422, 431, 501]

    /// Checks one response; returns whether it may be followed by more on the connection.
    static func check(_ response: HTTPResponse, _ fuzzCase: FuzzCase, _ index: Int) -> Bool {
        #expect(acceptedStatuses.contains(response.status), "case \(index) (\(fuzzCase.kind)): status \(response.status) \(response.bodyText)")
        if let length = response.header("content-length") {
            #expect(Int(length) == response.body.count, "case \(index) (\(fuzzCase.kind)): content-length")
        }
        if response.status != 400 || response.header("content-type") != nil {
            // Every answer of the PDP itself is JSON (NIO's own 400 for unparsable HTTP is empty).
            #expect(response.header("content-type") == "application/json", "case \(index) (\(fuzzCase.kind))")
        }
        return !response.closesConnection
    }

    @Test("3,000 malformed requests get well-formed 2xx/4xx answers or a close, and the server keeps serving")
    func malformedRequests() async throws {
        var limits = RequestLimits()
        limits.maxBodyBytes = 64 * 1024
        limits.maxConnections = 4
        try await withTestServer(limits: limits) { server in
            var generator = MalformedRequests(random: SplitMix64(seed: 0x5EED_F00D))
            var reused: RawHTTPClient?
            var answered = 0
            for index in 0..<3_000 {
                let fuzzCase = generator.next()
                switch fuzzCase.framing {
                case .framed:
                    let client = try reused ?? server.connect()
                    reused = nil
                    // Over the body limit, the server answers 413 from the head and closes while
                    // the body is still being sent: the write may fail, and the reset may
                    // discard the answer.
                    let oversized = fuzzCase.bytes.count > limits.maxBodyBytes
                    do {
                        do { try client.send(fuzzCase.bytes) } catch where oversized {}
                        let response = try client.readResponse()
                        answered += 1
                        if Self.check(response, fuzzCase, index) {
                            reused = client
                        } else {
                            #expect(client.readsEOF(), "case \(index) (\(fuzzCase.kind)): announced close")
                        }
                    } catch RawHTTPError.closed(bytesReceived: 0) where oversized {
                        // Acceptable, see above.
                    } catch {
                        Issue.record("case \(index) (\(fuzzCase.kind)): no answer to a well-framed request: \(error)")
                    }
                case .unframed:
                    let client = try server.connect()
                    try? client.send(fuzzCase.bytes)
                    client.shutdownWrite()
                    // Read every answer until the server closes; a partial answer or a hang fails.
                    reading: while true {
                        do {
                            let response = try client.readResponse()
                            answered += 1
                            _ = Self.check(response, fuzzCase, index)
                        } catch RawHTTPError.closed(bytesReceived: 0) {
                            break reading
                        } catch {
                            Issue.record("case \(index) (\(fuzzCase.kind)): \(error)")
                            break reading
                        }
                    }
                    client.close()
                }
            }
            #expect(answered > 2_000)

            // Afterwards: decisions are still right, on the reused connection and on new ones.
            if let reused {
                #expect(try decision(#"{"user":"alice","action":"read","resource":"task"}"#, on: reused) == true)
                reused.closeFromServerSide()
            }
            // No connection slot leaked: all four may be open at once. A slot is freed just
            // after the server closes a connection, so a rejected attempt is retried (bounded).
            var clients: [RawHTTPClient] = []
            for _ in 0..<limits.maxConnections {
                var admitted: RawHTTPClient?
                for _ in 0..<100 where admitted == nil {
                    let client = try server.connect()
                    if (try? decision(#"{"user":"bob","action":"readall","resource":"task:1"}"#, on: client)) == false {
                        admitted = client
                    }
                }
                clients.append(try #require(admitted, "connection \(clients.count + 1) of \(limits.maxConnections) was not admitted"))
            }
            for client in clients {
                #expect(try decision(#"{"user":"bob","action":"readall","resource":{"type":"task","tenant":"acme"}}"#, on: client) == true)
            }
        }
    }
}
