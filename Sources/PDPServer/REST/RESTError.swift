// SPDX-License-Identifier: Apache-2.0
import NIOCore
import NIOHTTP1
import PDPFacts
import PDPWire

/// A facts or schema API failure, answered in Permit's shapes: `ErrorDetails`
/// (`{"id","title","error_code","message","support_link","additional_info"}`) so the SDKs
/// raise `PermitNotFoundError` (404), `PermitAlreadyExistsError` (409) or
/// `PermitApiDetailedError`; or, for 422, FastAPI's `{"detail": [{"loc","msg","type"}]}` so
/// they raise `PermitValidationError`.
struct RESTError: Error, Sendable {
    struct Problem: Sendable {
        var location: [String]
        var message: String
        var type: String
    }

    var status: HTTPResponseStatus
    var code: String
    var title: String
    var message: String
    /// Set for 422 validation errors.
    var problems: [Problem] = []

    static func notFound(_ message: String) -> RESTError {
        RESTError(status: .notFound, code: "NOT_FOUND", title: "Not Found", message: message)
    }

    static func duplicate(_ message: String) -> RESTError {
        RESTError(status: .conflict, code: "DUPLICATE_ENTITY", title: "Conflict", message: message)
    }

    /// Changing what the policy files declare: edit the files instead.
    static func declaredInPolicy(_ message: String) -> RESTError {
        RESTError(status: .forbidden, code: "FORBIDDEN_ACCESS", title: "Declared in the policy files", message: message)
    }

    static func badRequest(_ message: String) -> RESTError {
        RESTError(status: .badRequest, code: "INVALID_INPUT", title: "Bad Request", message: message)
    }

    static func unavailable(_ message: String) -> RESTError {
        RESTError(status: .serviceUnavailable, code: "UNEXPECTED_ERROR", title: "Service Unavailable", message: message)
    }

    static func invalid(_ location: [String], _ message: String, type: String = "value_error") -> RESTError {
        RESTError(
            status: .unprocessableEntity, code: "INVALID_INPUT", title: "Validation Error", message: message,
            problems: [Problem(location: location, message: message, type: type)])
    }

    static func missing(_ location: [String]) -> RESTError {
        invalid(location, "field required", type: "value_error.missing")
    }

    func response(allocator: ByteBufferAllocator) -> EndpointResponse {
        var writer = JSONWriter(buffer: allocator.responseBuffer(capacity: 192 + message.utf8.count))
        writer.beginObject()
        if status == .unprocessableEntity {
            writer.key("detail")
            writer.beginArray()
            for problem in problems {
                writer.beginObject()
                writer.key("loc")
                writer.strings(problem.location)
                writer.key("msg")
                writer.string(problem.message)
                writer.key("type")
                writer.string(problem.type)
                writer.endObject()
            }
            writer.endArray()
        } else {
            writer.key("id")
            writer.string(StableID.random())
            writer.key("title")
            writer.string(title)
            writer.key("error_code")
            writer.string(code)
            writer.key("message")
            writer.string(message)
            writer.key("support_link")
            writer.null()
            writer.key("additional_info")
            writer.null()
        }
        writer.endObject()
        return EndpointResponse(status: status, body: writer.buffer)
    }
}

extension RESTError {
    /// A refusal of the facts rules, with its status: 404, 409, 403 or 503.
    init(_ error: FactsError) {
        switch error.kind {
        case .notFound: self = .notFound(error.message)
        case .duplicate: self = .duplicate(error.message)
        case .declaredInPolicy: self = .declaredInPolicy(error.message)
        case .unavailable: self = .unavailable(error.message)
        case .unstorable: self = .invalid(["body"], error.message, type: "value_error.unstorable")
        }
    }
}
