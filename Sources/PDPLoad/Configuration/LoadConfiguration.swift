// SPDX-License-Identifier: Apache-2.0
import NIOCore

/// Which decision endpoint the load goes to.
public enum LoadEndpoint: String, Sendable, Codable {
    /// `POST /allowed`: one check per request.
    case allowed = "/allowed"
    /// `POST /allowed/bulk`: ``LoadConfiguration/batchSize`` checks per request.
    case bulk = "/allowed/bulk"
}

/// Everything a load run needs besides its workload. Only `pdp load` reads argv and the
/// environment; it fills this in.
public struct LoadConfiguration: Sendable {
    /// The PDP under test.
    public var target: TargetURL
    public var endpoint: LoadEndpoint = .allowed
    /// Checks per `/allowed/bulk` request (1 for `/allowed`).
    public var batchSize = 1
    /// Concurrent connections (closed loop), or the connections the open-loop schedule is
    /// spread over.
    public var connections = 16
    /// Requests per second in total for an open loop; `nil` for a closed loop, where each
    /// connection sends its next request when the previous answer arrives.
    public var rate: Double?
    /// Open a new TCP connection for every request (and send `Connection: close`), as
    /// Permit's Python SDK does; otherwise connections are kept alive.
    public var newConnectionPerRequest = false
    /// Event loop threads.
    public var threads = System.coreCount
    /// Seconds of measured load after the warm-up; `nil` to stop on ``maxRequests`` only.
    public var durationSeconds: Double? = 10
    /// Measured requests to send in total; `nil` to stop on the duration only.
    public var maxRequests: Int?
    /// Seconds of load before measuring starts; excluded from every statistic.
    public var warmupSeconds: Double = 0
    /// Compare every answer with the decision expected by the workload.
    public var verify = false
    /// Sent as `Authorization: Bearer KEY` when set.
    public var apiKey: String?
    /// A request without an answer after this long is a timeout error (and its connection is
    /// closed).
    public var requestTimeoutSeconds: Double = 5
    /// Allow a target whose host is not a loopback address.
    public var allowRemote = false
    /// How many mismatches are kept as examples in the report.
    public var mismatchSamples = 5

    public init(target: TargetURL) {
        self.target = target
    }

    /// Generator threads a run starts: ``threads``, but no more than one per connection.
    public var generatorThreads: Int { min(threads, connections) }

    /// Open loop when a rate is set.
    public var isOpenLoop: Bool { rate != nil }

    /// Checks the settings are coherent; the message names the option at fault.
    public func validate() throws(LoadError) {
        if !target.isLoopback && !allowRemote {
            throw LoadError("\(target.host) is not a loopback address; pass --allow-remote to load a remote PDP.")
        }
        if connections < 1 { throw LoadError("--connections must be at least 1.") }
        if threads < 1 { throw LoadError("--threads must be at least 1.") }
        if batchSize < 1 { throw LoadError("--batch must be at least 1.") }
        if batchSize > 1 && endpoint != .bulk { throw LoadError("--batch needs the /allowed/bulk endpoint.") }
        if let rate, !(rate > 0 && rate.isFinite) { throw LoadError("--rate must be a positive number.") }
        if durationSeconds == nil && maxRequests == nil { throw LoadError("Give --duration or --requests.") }
        if let durationSeconds, !(durationSeconds > 0 && durationSeconds.isFinite) {
            throw LoadError("--duration must be positive.")
        }
        if let maxRequests, maxRequests < 1 { throw LoadError("--requests must be at least 1.") }
        if !(warmupSeconds >= 0 && warmupSeconds.isFinite) { throw LoadError("--warmup must not be negative.") }
        if !(requestTimeoutSeconds > 0 && requestTimeoutSeconds.isFinite) { throw LoadError("--timeout must be positive.") }
    }
}
