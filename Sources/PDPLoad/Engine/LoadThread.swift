// SPDX-License-Identifier: Apache-2.0
#if os(Linux)
import CLinux
import Glibc
import NIOCore

/// One generator thread: its share of the run's connections on one epoll instance, each sending
/// one request at a time when its pacer says so, over a kept-alive connection or a new one per
/// request, and tallying the answers.
///
/// Written on epoll directly rather than on NIO (which the server and the rest of the tools use)
/// because a generator has to stay much cheaper than the server it measures, on the machine they
/// share. On NIO, an open-loop request is a scheduled task: NIO arms its timerfd once per distinct
/// deadline (`timerfd_settime`, 17% of the generator thread at 64k requests/s on the 2-core
/// machine) and each task and write costs closures and reference counting (13.5%). That thread
/// was then busy 98-100% of the run, so the latency it reported was partly its own queueing.
/// Here the next send time is the timeout of the `epoll_pwait2` call the thread makes anyway, with
/// nanosecond resolution and the thread's timer slack set to 1 ns (the default 50 µs would send
/// late); requests are pre-encoded bytes written with one `send`; answers are read straight into
/// each connection's response parser, and nothing is allocated per request.
final class LoadThread {
    enum Failure {
        case connection
        case timeout
    }

    private struct InFlight {
        let request: Int
        let timing: RequestTiming
        let measured: Bool
    }

    /// One connection slot. `fd` is -1 between connections.
    private struct Slot {
        var fd: Int32 = -1
        var connected = false
        var pacer: RequestPacer
        var cursor: Int
        var parser = HTTPResponseParser()
        var flight: InFlight?
        /// Bytes of the request in flight already sent.
        var sent = 0
        /// Ask the pacer again at this time (it said wait, or a failed request pauses).
        var dueAt: Int64?
        var finished = false
    }

    private let plan: RunPlan
    private let tally: LoopTally
    private var slots: [Slot]
    private var active: Int
    private let epoll: Int32
    private var now: Int64 = 0
    private static let watchdogInterval: Int64 = 100_000_000
    private static let readChunk = 16 * 1024

    /// The connections `indices` of the run (each numbered as in the whole run, which spreads
    /// their open-loop schedules and their place in the workload).
    init(plan: RunPlan, connections indices: [Int], tally: LoopTally) throws(LoadError) {
        self.plan = plan
        self.tally = tally
        self.slots = indices.map { index in
            Slot(
                pacer: plan.pacer(forWorker: index),
                // Spread the connections over the workload so they do not all send the same checks.
                cursor: plan.requests.isEmpty ? 0 : (index &* 7919) % plan.requests.count)
        }
        self.active = slots.count
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        if epoll < 0 { throw LoadError("Cannot create an epoll instance: \(String(cString: strerror(errno)))") }
    }

    deinit {
        for slot in slots where slot.fd >= 0 { close(slot.fd) }
        close(epoll)
    }

    /// Runs on the calling thread until every connection has stopped; returns the CPU time the
    /// thread used meanwhile, in nanoseconds.
    func run() -> Int64 {
        // So `top -H`, `perf` and /proc name it (a Foundation thread inherits its creator's name).
        _ = clinux_set_thread_name("pdp-load")
        Self.setTimerSlackToMinimum()
        let cpuAtStart = Self.threadCPUNanoseconds()
        now = RunPlan.now()
        for index in slots.indices { issue(index) }
        var events = [epoll_event](repeating: epoll_event(), count: max(16, slots.count))
        var nextWatchdog = now + Self.watchdogInterval
        while active > 0 {
            now = RunPlan.now()
            var wakeAt = nextWatchdog
            for index in slots.indices {
                guard let due = slots[index].dueAt else { continue }
                if due <= now {
                    slots[index].dueAt = nil
                    issue(index)
                }
                if let due = slots[index].dueAt { wakeAt = min(wakeAt, due) }
            }
            if active == 0 { break }
            let wait = max(0, wakeAt - now)
            var timeout = timespec(tv_sec: Int(wait / 1_000_000_000), tv_nsec: Int(wait % 1_000_000_000))
            let count = events.withUnsafeMutableBufferPointer { buffer in
                epoll_pwait2(epoll, buffer.baseAddress, Int32(buffer.count), &timeout, nil as UnsafePointer<sigset_t>?)
            }
            now = RunPlan.now()
            for position in 0..<max(0, Int(count)) {
                let event = events[position]
                let index = Int(truncatingIfNeeded: event.data.u64 >> 32)
                // A stale event for a connection the slot has since closed.
                guard slots[index].fd == Int32(truncatingIfNeeded: event.data.u64) else { continue }
                handle(index, events: event.events)
            }
            if now >= nextWatchdog {
                timeOutStalledRequests()
                nextWatchdog = now + Self.watchdogInterval
            }
        }
        return Self.threadCPUNanoseconds() - cpuAtStart
    }

    // MARK: Sending

    private func issue(_ index: Int) {
        guard !slots[index].finished, slots[index].flight == nil, slots[index].dueAt == nil else { return }
        guard !plan.requests.isEmpty else { return finish(index) }  // nothing to send (LoadRunner refuses that)
        switch slots[index].pacer.next(now: now) {
        case .stop:
            finish(index)
        case .wait(let until):
            slots[index].dueAt = until
        case .send(let intended):
            let request = slots[index].cursor
            slots[index].cursor = request + 1 == plan.requests.count ? 0 : request + 1
            slots[index].flight = InFlight(
                request: request, timing: RequestTiming(intendedAt: intended, sentAt: now), measured: intended >= plan.warmupEnd)
            slots[index].sent = 0
            if slots[index].fd >= 0 && slots[index].connected {
                sendRequest(index)
            } else if slots[index].fd < 0 {
                connect(index)
            }
        }
    }

    private func connect(_ index: Int) {
        let family = plan.address.protocol == .inet6 ? AF_INET6 : AF_INET
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else {
            failed(index, .connection, reason: "cannot open a socket: \(String(cString: strerror(errno)))")
            return
        }
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let result = plan.address.withSockAddr { address, length in Glibc.connect(fd, address, socklen_t(length)) }
        let error = result == 0 ? 0 : errno
        guard result == 0 || error == EINPROGRESS else {
            close(fd)
            failed(index, .connection, reason: ConnectFailure.describe(error, to: plan.address))
            return
        }
        var event = epoll_event()
        event.events = EPOLLIN.rawValue | EPOLLOUT.rawValue | EPOLLRDHUP.rawValue | EPOLLET.rawValue
        event.data.u64 = UInt64(index) << 32 | UInt64(UInt32(bitPattern: fd))
        guard epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event) == 0 else {
            let reason = "cannot watch a socket: \(String(cString: strerror(errno)))"
            close(fd)
            failed(index, .connection, reason: reason)
            return
        }
        slots[index].fd = fd
        slots[index].connected = result == 0
        slots[index].parser.reset()
        if result == 0 { sendRequest(index) }
    }

    /// Sends what is left of the request in flight; the rest goes when the socket is writable.
    private func sendRequest(_ index: Int) {
        guard let flight = slots[index].flight else { return }
        let fd = slots[index].fd
        let outcome = plan.requests[flight.request].bytes.withUnsafeReadableBytes { bytes -> Int32 in
            var offset = slots[index].sent
            while offset < bytes.count {
                let written = send(fd, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
                if written > 0 {
                    offset += written
                } else if written < 0 && errno == EINTR {
                    continue
                } else {
                    slots[index].sent = offset
                    return written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : (written < 0 ? errno : EPIPE)
                }
            }
            slots[index].sent = offset
            return 0
        }
        if outcome != 0 { failed(index, .connection, reason: "sending the request: \(String(cString: strerror(outcome)))") }
    }

    // MARK: Answers

    private func handle(_ index: Int, events: UInt32) {
        if !slots[index].connected {
            guard events & (EPOLLOUT.rawValue | EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 else { return }
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            _ = getsockopt(slots[index].fd, SOL_SOCKET, SO_ERROR, &error, &length)
            guard error == 0 else {
                failed(index, .connection, reason: ConnectFailure.describe(error, to: plan.address))
                return
            }
            slots[index].connected = true
            sendRequest(index)
            return
        }
        if events & EPOLLOUT.rawValue != 0, let flight = slots[index].flight,
            slots[index].sent < plan.requests[flight.request].bytes.readableBytes
        {
            sendRequest(index)
        }
        if events & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0 {
            readAnswers(index)
        }
    }

    /// Reads until the socket has nothing more (the socket is edge-triggered).
    private func readAnswers(_ index: Int) {
        let fd = slots[index].fd
        while slots[index].fd == fd {
            let count = slots[index].parser.receive(minimumSpace: Self.readChunk) { space in
                read(fd, space.baseAddress, space.count)
            }
            if count > 0 {
                switch slots[index].parser.parse() {
                case .incomplete:
                    continue
                case .complete(let head, let body):
                    received(index, head, body: body)
                case .invalid(let reason):
                    failed(index, .connection, reason: reason)
                }
                return
            }
            if count == 0 {
                // An answer whose body ran until the close is whole now; the next request goes
                // out on a new connection either way.
                if case .complete(let head, let body) = slots[index].parser.finishAtClose() {
                    closeConnection(index)
                    received(index, head, body: body)
                } else {
                    closed(index)
                }
                return
            }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return
            default:
                closed(index)
                return
            }
        }
    }

    /// A whole response arrived.
    private func received(_ index: Int, _ head: HTTPResponseHead, body: ByteBuffer) {
        guard let flight = slots[index].flight else { return }
        slots[index].flight = nil
        let completedAt = now
        let request = plan.requests[flight.request]
        var outcome = AnswerCheck()
        if flight.measured && head.status == 200 {
            outcome = AnswerCheck(request: request, body: body, plan: plan)
        }
        let samplesWanted = plan.configuration.mismatchSamples
        tally.update { tally in
            tally.completedIncludingWarmup += 1
            guard flight.measured else { return }
            tally.lastCompletion = completedAt
            guard head.status == 200 else {
                tally.statusCounts[head.status, default: 0] += 1
                tally.errorsIncludingWarmup += 1
                return
            }
            tally.requests += 1
            tally.decisions += request.checkIndices.count
            tally.recordLatency(nanoseconds: flight.timing.latency(completedAt: completedAt))
            tally.allowedAnswers += outcome.allowed
            tally.deniedAnswers += outcome.denied
            tally.mismatches += outcome.mismatches
            let room = samplesWanted - tally.mismatchSamples.count
            if room > 0 { tally.mismatchSamples += outcome.samples.prefix(room) }
        }
        if head.closes || plan.configuration.newConnectionPerRequest { closeConnection(index) }
        issue(index)
    }

    /// The request in flight failed; the connection (if any) is dropped and the next request
    /// goes out on a new one, after a short pause when connecting failed (so a refused
    /// connection does not spin the thread).
    private func failed(_ index: Int, _ failure: Failure, reason: String) {
        closeConnection(index)
        guard let flight = slots[index].flight else { return }
        slots[index].flight = nil
        tally.update { tally in
            tally.errorsIncludingWarmup += 1
            guard flight.measured else { return }
            switch failure {
            case .connection: tally.connectionErrors += 1
            case .timeout: tally.timeouts += 1
            }
            tally.countReason(reason)
        }
        guard !slots[index].finished else { return }
        slots[index].dueAt = now + (failure == .connection ? 10_000_000 : 0)
    }

    /// The connection ended; a request still waiting on it has failed.
    private func closed(_ index: Int) {
        if slots[index].flight != nil {
            failed(index, .connection, reason: "connection closed before the answer")
        } else {
            closeConnection(index)
        }
    }

    // MARK: Timeouts and stopping

    private func timeOutStalledRequests() {
        for index in slots.indices {
            guard let flight = slots[index].flight, now - flight.timing.sentAt > plan.timeoutNanoseconds else { continue }
            if slots[index].fd >= 0 && !slots[index].connected {
                failed(index, .connection, reason: ConnectFailure.describe(ETIMEDOUT, to: plan.address))
            } else {
                failed(index, .timeout, reason: "no answer within the --timeout")
            }
        }
    }

    private func closeConnection(_ index: Int) {
        guard slots[index].fd >= 0 else { return }
        close(slots[index].fd)  // also removes it from the epoll set
        slots[index].fd = -1
        slots[index].connected = false
        slots[index].parser.reset()
    }

    private func finish(_ index: Int) {
        guard !slots[index].finished else { return }
        slots[index].finished = true
        slots[index].dueAt = nil
        closeConnection(index)
        active -= 1
    }

    // MARK: The thread itself

    /// Timer slack lets the kernel end an `epoll_pwait2` up to 50 µs late (the default for a
    /// normal thread), and an open loop would count that as latency. Best effort: on failure
    /// the default stays.
    private static func setTimerSlackToMinimum() {
        _ = clinux_set_timer_slack(1)
    }

    static func threadCPUNanoseconds() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }
}
#endif
