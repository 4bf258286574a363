// SPDX-License-Identifier: Apache-2.0
import NIOCore

/// Frames responses on one client connection and hands each to its worker. Requests are
/// written by the worker directly as pre-encoded bytes, so there is no outbound handler.
final class LoadClientHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let worker: LoadWorker
    private var parser = HTTPResponseParser()

    init(worker: LoadWorker) {
        self.worker = worker
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        switch parser.feed(&buffer) {
        case .incomplete:
            break
        case .complete(let head, let body):
            worker.received(head, body: body, on: context.channel)
        case .invalid(let reason):
            worker.failed(.connection, reason: reason, on: context.channel)
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if case .complete(let head, let body) = parser.finishAtClose() {
            worker.received(head, body: body, on: context.channel)
        }
        worker.closed(context.channel)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
