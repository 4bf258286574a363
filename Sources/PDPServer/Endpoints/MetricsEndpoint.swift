// SPDX-License-Identifier: Apache-2.0
import NIOCore

/// `GET /metrics`: every metric of ``ServerMetrics`` in the Prometheus text format
/// (`text/plain; version=0.0.4`). Behind the API key unless
/// ``ServerConfiguration/metricsUnauthenticated``. Builds a few kilobytes of text on the
/// event loop; it reads the per-loop counters without stopping them.
enum MetricsEndpoint {
    static func respond(_ server: ServerState, allocator: ByteBufferAllocator) -> EndpointResponse {
        let text = server.metrics.scrape(server)
        var body = allocator.responseBuffer(capacity: text.count)
        body.writeBytes(text)
        var response = EndpointResponse.ok(body)
        response.plainText = true
        return response
    }
}
