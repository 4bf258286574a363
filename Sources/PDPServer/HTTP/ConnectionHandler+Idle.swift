// SPDX-License-Identifier: Apache-2.0
import NIOCore

// The idle timeout, kept in the connection handler instead of NIO's `IdleStateHandler`:
// that handler sits in front of every read, write and flush of every request and reads the
// clock on each, while a connection only needs one timer that looks at a counter. A
// connection with no request bytes for `idleTimeoutSeconds` (and no answer pending) is
// closed between 1 and 1.5 times the timeout later.
extension ConnectionHandler {
    func startIdleTimer(context: ChannelHandlerContext) {
        guard idleTask == nil else { return }
        let seconds = server.configuration.limits.idleTimeoutSeconds
        let half = TimeAmount.milliseconds(max(1, seconds * 500))
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        idleTask = context.eventLoop.scheduleRepeatedTask(initialDelay: half, delay: half) { _ in
            let (handler, context) = loopBound.value
            handler.idleTick(context: context)
        }
    }

    func stopIdleTimer() {
        idleTask?.cancel()
        idleTask = nil
    }

    private func idleTick(context: ChannelHandlerContext) {
        if activity != observedActivity || isWaiting {
            observedActivity = activity
            idleTicks = 0
            return
        }
        idleTicks += 1
        if idleTicks >= 2 {
            stopIdleTimer()
            context.close(promise: nil)
        }
    }
}
