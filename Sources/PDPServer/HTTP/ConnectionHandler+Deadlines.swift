// SPDX-License-Identifier: Apache-2.0
import NIOCore

/// What a connection is waiting for, as its deadlines see it; the payload tells one request
/// from the next (the number of heads completed before it).
enum DeadlinePhase: Equatable {
    /// A request head: the first one, or one whose first bytes have arrived.
    case head(UInt64)
    /// The body of the request with that many heads before it (including its own).
    case body(UInt64)
    /// Idle between requests, waiting on a deferred answer, or closing.
    case other
}

// Deadlines, kept in the connection handler instead of NIO's `IdleStateHandler`: that
// handler sits in front of every read, write and flush of every request and reads the clock
// on each, while a connection only needs one repeating timer that looks at counters the
// request path bumps (a few adds per read, one per request). The timer ticks every half of
// the shortest timeout, so each is enforced between 1 and 1.5 times its length:
// - idle: no bytes at all for `idleTimeoutSeconds` (and no answer pending): closed;
// - head: a request head still incomplete `headerTimeoutSeconds` after its first byte (after
//   the connection opened, for the first one): 408 and closed. Trickled bytes do not reset it;
// - body: a body still incomplete `bodyTimeoutSeconds + received / minBodyBytesPerSecond`
//   after its head: 408 and closed.
extension ConnectionHandler {
    /// The timer's period in milliseconds: half the shortest timeout, at least 100 ms.
    var tickMilliseconds: Int64 {
        let limits = server.configuration.limits
        let shortest = min(limits.idleTimeoutSeconds, limits.headerTimeoutSeconds, limits.bodyTimeoutSeconds)
        return max(100, shortest * 500)
    }

    func startDeadlineTimer(context: ChannelHandlerContext) {
        guard deadlineTask == nil else { return }
        let period = TimeAmount.milliseconds(tickMilliseconds)
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        deadlineTask = context.eventLoop.scheduleRepeatedTask(initialDelay: period, delay: period) { _ in
            let (handler, context) = loopBound.value
            handler.tick(context: context)
        }
    }

    func stopDeadlineTimer() {
        deadlineTask?.cancel()
        deadlineTask = nil
    }

    /// What the connection waits for now. Nothing, as far as the head and body deadlines go,
    /// while reading is paused because the client does not read its answers: the bytes are
    /// here, the server is the one waiting (the idle timeout still applies).
    var deadlinePhase: DeadlinePhase {
        if pausedForWritability { return .other }
        switch state {
        case .head:
            let partial = (buffer?.readableBytes ?? 0) > 0
            return partial || heads == 0 || sawPreamble ? .head(heads) : .other
        case .body, .chunked, .skipping:
            return .body(heads)
        case .waiting, .closing:
            return .other
        }
    }

    private func tick(context: ChannelHandlerContext) {
        let limits = server.configuration.limits
        let tick = tickMilliseconds
        let phase = deadlinePhase
        if phase != observedPhase {
            observedPhase = phase
            phaseTicks = 0
            phaseStartBytes = received
        } else {
            phaseTicks += 1
        }
        let elapsed = Int64(phaseTicks) * tick
        switch phase {
        case .head:
            if elapsed >= limits.headerTimeoutSeconds * 1000 {
                timeOut("the request head did not arrive within \(limits.headerTimeoutSeconds) s", context: context)
                return
            }
        case .body:
            let arrived = Int64(truncatingIfNeeded: received &- phaseStartBytes)
            let allowed = limits.bodyTimeoutSeconds * 1000 + arrived * 1000 / Int64(limits.minBodyBytesPerSecond)
            if elapsed >= allowed {
                timeOut(
                    "the request body arrived slower than \(limits.minBodyBytesPerSecond) bytes/s after \(limits.bodyTimeoutSeconds) s",
                    context: context)
                return
            }
        case .other:
            break
        }
        if activity != observedActivity || isWaiting {
            observedActivity = activity
            idleTicks = 0
            return
        }
        idleTicks += 1
        if Int64(idleTicks) * tick >= limits.idleTimeoutSeconds * 1000 {
            stopDeadlineTimer()
            context.close(promise: nil)
        }
    }

    /// 408 and close when some of the request arrived; a silent close when none did.
    private func timeOut(_ detail: String, context: ChannelHandlerContext) {
        stopDeadlineTimer()
        server.logger.debug("request timed out", metadata: ["pdp.reason": "\(detail)"])
        if heads == 0, (buffer?.readableBytes ?? 0) == 0, !sawPreamble, received == 0 {
            context.close(promise: nil)
            return
        }
        releaseBody()
        fail(.requestTimeout, code: "request_timeout", detail: detail, context: context)
    }
}
