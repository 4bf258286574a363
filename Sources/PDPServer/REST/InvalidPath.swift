// SPDX-License-Identifier: Apache-2.0

/// A REST path that names something ambiguously or not at all: answered 400 or 422 before
/// the request reaches an endpoint.
struct InvalidPath: Error, Equatable {
    /// 400 for undecodable bytes, 422 for an empty key.
    var status: Int
    /// FastAPI's `loc`: `["path"]` or `["path", "user_id"]`.
    var location: [String]
    var message: String

    /// In Permit's shapes: `ErrorDetails` for 400, FastAPI's `detail` list for 422.
    var restError: RESTError {
        status == 422 ? .invalid(location, message, type: "value_error.any_str.min_length") : .badRequest(message)
    }
}
