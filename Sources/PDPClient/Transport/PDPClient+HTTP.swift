// SPDX-License-Identifier: Apache-2.0
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

extension PDPClient {
    /// Largest answer body read; a PDP answer beyond this is a bad answer, not a memory spike.
    static let maxAnswerBytes = 4 << 20

    /// Sends one request and reads the whole answer, mapping transport failures.
    func send(_ method: HTTPMethod, _ url: String, body: Data?) async throws(PDPClientError) -> (Int, Data) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "swift-pdp-client")
        if let key = configuration.apiKey { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let started = ContinuousClock.now
        defer {
            let elapsed = ContinuousClock.now - started
            let nanoseconds = UInt64(elapsed.components.seconds) * 1_000_000_000
                + UInt64(elapsed.components.attoseconds / 1_000_000_000)
            statistics.withLockedValue {
                $0.requests += 1
                $0.totalNanoseconds += nanoseconds
            }
        }
        do {
            let response = try await http.execute(
                request, timeout: .milliseconds(configuration.requestTimeoutMilliseconds), logger: logger)
            let buffer = try await response.body.collect(upTo: Self.maxAnswerBytes)
            return (Int(response.status.code), Data(buffer.readableBytesView))
        } catch let error as NIOTooManyBytesError {
            throw .badAnswer(status: 200, detail: "answer larger than \(Self.maxAnswerBytes) bytes (\(error))")
        } catch {
            statistics.withLockedValue { $0.transportFailures += 1 }
            let mapped = Self.transportFailure(error, url: url)
            logger.debug("PDP request failed", metadata: ["pdp.url": "\(url)", "error": "\(mapped)"])
            throw mapped
        }
    }

    static func transportFailure(_ error: any Error, url: String) -> PDPClientError {
        if let error = error as? HTTPClientError {
            let timeouts: [HTTPClientError] = [
                .deadlineExceeded, .connectTimeout, .readTimeout, .writeTimeout, .getConnectionFromPoolTimeout,
            ]
            if timeouts.contains(error) { return .timedOut }
            if [HTTPClientError.invalidURL, .emptyHost, .emptyScheme].contains(error)
                || "\(error)".contains("unsupportedScheme")
            {
                return .invalidURL(url)
            }
            return .unreachable("\(error)")
        }
        if case ChannelError.connectTimeout = error { return .timedOut }
        return .unreachable("\(error)")
    }

    /// A non-success status as an error: a refused key, a Permit error body, or a bad answer.
    static func failure(status: Int, body: Data, decision: Bool) -> PDPClientError {
        if status == 401 || (decision && status == 403) { return .unauthorized(status: status) }
        let text = String(decoding: body.prefix(300), as: UTF8.self)
        if !decision, (400..<600).contains(status) {
            if let details = try? JSONDecoder().decode(WireBodies.ErrorBody.self, from: body) {
                let code = details.error_code ?? (status == 422 ? "INVALID_INPUT" : "HTTP_\(status)")
                return .rejected(status: status, code: code, message: details.message ?? details.title ?? text)
            }
            return .rejected(status: status, code: "HTTP_\(status)", message: text)
        }
        return .badAnswer(status: status, detail: text.isEmpty ? "empty body" : text)
    }

    static func decode<Answer: Decodable>(_ type: Answer.Type, from body: Data, status: Int) throws(PDPClientError) -> Answer {
        do {
            return try JSONDecoder().decode(Answer.self, from: body)
        } catch {
            throw .badAnswer(status: status, detail: "unreadable answer: \(error)")
        }
    }

    /// One path segment, percent-encoded (keys may hold `/`, `?`, spaces).
    static func segment(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
