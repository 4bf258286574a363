// SPDX-License-Identifier: Apache-2.0
import NIOCore
import NIOPosix

/// One connection slot: sends one request at a time when its pacer says so, over a kept-alive
/// connection or a new one per request, and tallies the answers. Lives on one event loop and is
/// only touched from it.
final class LoadWorker {
    enum Failure {
        case connection
        case timeout
    }

    private struct InFlight {
        let request: Int
        let timing: RequestTiming
        let measured: Bool
    }

    private let plan: RunPlan
    private let loop: any EventLoop
    private let tally: LoopTally
    private var pacer: RequestPacer
    private var cursor: Int
    private var channel: (any Channel)?
    private var inFlight: InFlight?
    private var waiting: Scheduled<Void>?
    private var watchdog: Scheduled<Void>?
    private var finished = false
    private let done: EventLoopPromise<Void>
    private var bootstrap: ClientBootstrap?

    /// Completes when the worker has stopped and closed its connection.
    var finishedFuture: EventLoopFuture<Void> { done.futureResult }

    /// Must be called on `loop`.
    init(index: Int, plan: RunPlan, loop: any EventLoop, tally: LoopTally) {
        self.plan = plan
        self.loop = loop
        self.tally = tally
        self.pacer = plan.pacer(forWorker: index)
        // Spread the workers over the workload so they do not all send the same checks.
        self.cursor = plan.requests.isEmpty ? 0 : (index &* 7919) % plan.requests.count
        self.done = loop.makePromise()
    }

    /// Starts sending. Must be called on the worker's loop.
    func start() {
        let bound = NIOLoopBound(self, eventLoop: loop)
        let timeout = TimeAmount.nanoseconds(plan.timeoutNanoseconds)
        bootstrap = ClientBootstrap(group: loop)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(LoadClientHandler(worker: bound.value))
                }
            }
        armWatchdog()
        issue()
    }

    // MARK: Sending

    private func issue() {
        guard !finished, inFlight == nil, waiting == nil, !plan.requests.isEmpty else { return }
        let now = RunPlan.now()
        switch pacer.next(now: now) {
        case .stop:
            finish()
        case .wait(let until):
            waiting = loop.assumeIsolated().scheduleTask(deadline: .uptimeNanoseconds(UInt64(max(0, until)))) {
                self.waiting = nil
                self.issue()
            }
        case .send(let intended):
            let index = cursor
            cursor = cursor + 1 == plan.requests.count ? 0 : cursor + 1
            inFlight = InFlight(
                request: index, timing: RequestTiming(intendedAt: intended, sentAt: now), measured: intended >= plan.warmupEnd)
            if let channel, channel.isActive {
                channel.writeAndFlush(plan.requests[index].bytes, promise: nil)
            } else {
                connect()
            }
        }
    }

    private func connect() {
        channel = nil
        guard let bootstrap else { return }
        bootstrap.connect(to: plan.address).assumeIsolated().whenComplete { result in
            switch result {
            case .success(let channel):
                guard !self.finished, let flight = self.inFlight else {
                    channel.close(promise: nil)
                    return
                }
                self.channel = channel
                channel.writeAndFlush(self.plan.requests[flight.request].bytes, promise: nil)
            case .failure(let error):
                self.failed(.connection, reason: Self.describeConnectFailure(error, to: self.plan.address), on: nil)
            }
        }
    }

    // MARK: Answers

    /// A whole response arrived on `channel`.
    func received(_ head: HTTPResponseHead, body: ByteBuffer, on channel: any Channel) {
        guard channel === self.channel, let flight = inFlight else { return }
        inFlight = nil
        let now = RunPlan.now()
        let request = plan.requests[flight.request]
        var outcome = AnswerCheck()
        if flight.measured && head.status == 200 {
            outcome = AnswerCheck(request: request, body: body, plan: plan)
        }
        tally.update { tally in
            tally.completedIncludingWarmup += 1
            guard flight.measured else { return }
            tally.lastCompletion = now
            guard head.status == 200 else {
                tally.statusCounts[head.status, default: 0] += 1
                tally.errorsIncludingWarmup += 1
                return
            }
            tally.requests += 1
            tally.decisions += request.checkIndices.count
            tally.recordLatency(nanoseconds: flight.timing.latency(completedAt: now))
            tally.allowedAnswers += outcome.allowed
            tally.deniedAnswers += outcome.denied
            tally.mismatches += outcome.mismatches
            let room = plan.configuration.mismatchSamples - tally.mismatchSamples.count
            if room > 0 { tally.mismatchSamples += outcome.samples.prefix(room) }
        }
        if head.closes || plan.configuration.newConnectionPerRequest {
            self.channel = nil
            channel.close(promise: nil)
        }
        issue()
    }

    /// The request in flight failed; the connection (if any) is dropped and the next request
    /// goes out on a new one.
    func failed(_ failure: Failure, reason: String, on channel: (any Channel)?) {
        if let channel, channel !== self.channel { return }
        guard let flight = inFlight else { return }
        inFlight = nil
        tally.update { tally in
            tally.errorsIncludingWarmup += 1
            guard flight.measured else { return }
            switch failure {
            case .connection: tally.connectionErrors += 1
            case .timeout: tally.timeouts += 1
            }
            tally.countReason(reason)
        }
        self.channel?.close(promise: nil)
        self.channel = nil
        guard !finished else { return }
        // A short pause so a refused connection does not spin the loop.
        waiting = loop.assumeIsolated().scheduleTask(in: .milliseconds(failure == .connection ? 10 : 0)) {
            self.waiting = nil
            self.issue()
        }
    }

    /// "connection refused by 127.0.0.1:7766", or the system's words for another failure.
    static func describeConnectFailure(_ error: any Error, to address: SocketAddress) -> String {
        let target = address.ipAddress.map { address.protocol == .inet6 ? "[\($0)]:\(address.port ?? 0)" : "\($0):\(address.port ?? 0)" } ?? "\(address)"
        var code: Int32?
        if let error = error as? IOError { code = error.errnoCode }
        if let error = error as? NIOConnectionError, let first = error.connectionErrors.first {
            code = (first.error as? IOError)?.errnoCode
        }
        switch code {
        case ECONNREFUSED: return "connection refused by \(target) (is the PDP running there?)"
        case ETIMEDOUT: return "connecting to \(target) timed out"
        case EHOSTUNREACH, ENETUNREACH: return "\(target) is unreachable"
        case let code?: return "connecting to \(target): \(String(cString: strerror(code)))"
        case nil: return "connecting to \(target): \(error)"
        }
    }

    /// `channel` closed; a request still waiting on it has failed.
    func closed(_ channel: any Channel) {
        guard channel === self.channel else { return }
        if inFlight != nil {
            failed(.connection, reason: "connection closed before the answer", on: channel)
        } else {
            self.channel = nil
        }
    }

    // MARK: Timeouts and stopping

    private func armWatchdog() {
        watchdog = loop.assumeIsolated().scheduleTask(in: .milliseconds(100)) {
            if let flight = self.inFlight, RunPlan.now() - flight.timing.sentAt > self.plan.timeoutNanoseconds {
                self.failed(.timeout, reason: "no answer within the --timeout", on: nil)
            }
            if !self.finished { self.armWatchdog() }
        }
    }

    private func finish() {
        guard !finished else { return }
        finished = true
        waiting?.cancel()
        watchdog?.cancel()
        channel?.close(promise: nil)
        channel = nil
        done.succeed(())
    }
}
