// SPDX-License-Identifier: Apache-2.0

import NIOCore
import PDPWire

/// The fields of a check, copied out of the views so tests can compare them.
struct CheckSnapshot: Equatable, CustomStringConvertible {
    var user: String
    var action: String
    var type: String
    var key: String?
    var tenant: String?

    init(_ user: String, _ action: String, _ type: String, key: String? = nil, tenant: String? = nil) {
        self.user = user
        self.action = action
        self.type = type
        self.key = key
        self.tenant = tenant
    }

    init(_ fields: borrowing CheckFields) {
        self.init(
            fields.userKey.string, fields.action.string, fields.resourceType.string,
            key: fields.resourceKey?.string, tenant: fields.tenant?.string
        )
    }

    var description: String { "\(user) \(action) \(type):\(key ?? "-") @\(tenant ?? "-")" }
}

/// Runs `body` over the UTF-8 bytes of `json`, turning typed errors into a `Result`.
func withBytes<T>(_ json: String, _ body: (UnsafeRawBufferPointer) throws(WireError) -> T) -> Result<T, WireError> {
    Array(json.utf8).withUnsafeBytes { bytes in
        Result { () throws(WireError) in try body(bytes) }
    }
}

func withBytes<T>(_ raw: [UInt8], _ body: (UnsafeRawBufferPointer) throws(WireError) -> T) -> Result<T, WireError> {
    raw.withUnsafeBytes { bytes in
        Result { () throws(WireError) in try body(bytes) }
    }
}

func readCheck(_ json: String, scratch: JSONScratch = JSONScratch()) -> Result<CheckSnapshot, WireError> {
    withBytes(json) { (bytes) throws(WireError) in
        try CheckRequestReader.read(bytes, scratch: scratch) { CheckSnapshot($0) }
    }
}

func readBulk(_ json: String, maxItems: Int = 100) -> Result<[CheckSnapshot], WireError> {
    withBytes(json) { (bytes) throws(WireError) in
        var items: [CheckSnapshot] = []
        try CheckRequestReader.readBulk(bytes, scratch: JSONScratch(), maxItems: maxItems) { index, fields in
            precondition(index == items.count)
            items.append(CheckSnapshot(fields))
        }
        return items
    }
}

func parseJSON(_ json: String) -> Result<JSONValue, WireError> {
    withBytes(json) { (bytes) throws(WireError) in try JSONValue.parse(bytes) }
}

extension Result {
    var value: Success? { try? get() }
    var error: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}


func string(_ buffer: ByteBuffer) -> String { String(buffer: buffer) }
