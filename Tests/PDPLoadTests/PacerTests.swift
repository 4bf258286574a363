// SPDX-License-Identifier: Apache-2.0
import NIOCore
import Testing

@testable import PDPLoad

@Suite struct PacerTests {
    /// Drives one worker's pacer with a fake clock against a responder that needs `service`
    /// nanoseconds per request; returns each request's latency as the harness measures it.
    func simulate(_ pacer: inout RequestPacer, service: Int64, from start: Int64) -> [Int64] {
        var now = start
        var latencies: [Int64] = []
        while true {
            switch pacer.next(now: now) {
            case .stop:
                return latencies
            case .wait(let until):
                #expect(until > now)
                now = until
            case .send(let intended):
                let timing = RequestTiming(intendedAt: intended, sentAt: now)
                now += service  // the answer arrives
                latencies.append(timing.latency(completedAt: now))
            }
        }
    }

    @Test func openLoopMeasuresFromTheIntendedSendTime() {
        let ms: Int64 = 1_000_000
        // 200 requests/s on one connection (one every 5 ms), a server that takes 20 ms each.
        var pacer = RequestPacer(openLoopFrom: 0, rate: 200, worker: 0, workers: 1, until: 100 * ms)
        let latencies = simulate(&pacer, service: 20 * ms, from: 0)
        #expect(latencies.count == 20)
        // Request n was intended at 5n ms but could only go at 20n ms: it waited 15n ms.
        for (n, latency) in latencies.enumerated() {
            #expect(latency == Int64(n) * 15 * ms + 20 * ms)
        }
        // A closed loop against the same server sees only the service time.
        var closed = RequestPacer(closedLoopUntil: 100 * ms)
        #expect(Set(simulate(&closed, service: 20 * ms, from: 0)) == [20 * ms])
    }

    @Test func openLoopKeepsItsScheduleWhenTheServerIsFast() {
        let ms: Int64 = 1_000_000
        // 4 workers share 1000 requests/s: worker 1 sends at 1, 5, 9, … ms.
        var pacer = RequestPacer(openLoopFrom: 0, rate: 1000, worker: 1, workers: 4, until: 20 * ms)
        #expect(pacer.intendedTime(of: 0) == 1 * ms)
        #expect(pacer.intendedTime(of: 2) == 9 * ms)
        #expect(pacer.next(now: 0) == .wait(until: 1 * ms))
        #expect(pacer.next(now: 1 * ms) == .send(intendedAt: 1 * ms))
        let latencies = simulate(&pacer, service: ms / 10, from: 1 * ms)
        #expect(latencies.count == 4)
        #expect(Set(latencies) == [ms / 10])
    }

    @Test func budgetCountsOnlyMeasuredRequests() {
        var pacer = RequestPacer(closedLoopUntil: .max, budget: 3, countsFrom: 100)
        var sent = 0
        var now: Int64 = 0
        while case .send = pacer.next(now: now) {
            sent += 1
            now += 30
        }
        // Sent at 0, 30, 60, 90 (warm-up), then 120, 150, 180.
        #expect(sent == 7)
    }

    @Test func responseFraming() {
        var parser = HTTPResponseParser()
        var part = ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Len")
        guard case .incomplete = parser.feed(&part) else { Issue.record("complete too early"); return }
        part = ByteBuffer(string: "gth: 14\r\n\r\n{\"allow\":true}")
        guard case .complete(let head, let body) = parser.feed(&part) else { Issue.record("not complete"); return }
        #expect(head.status == 200 && !head.closes)
        #expect(String(buffer: body) == "{\"allow\":true}")

        part = ByteBuffer(string: "HTTP/1.1 403 Forbidden\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
        guard case .complete(let denied, let chunked) = parser.feed(&part) else { Issue.record("chunked not complete"); return }
        #expect(denied.status == 403 && denied.closes)
        #expect(String(buffer: chunked) == "hello")
    }
}
