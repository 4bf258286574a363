// SPDX-License-Identifier: Apache-2.0

/// The binary form of mutations (journal records) and of a whole ``FactsState`` (snapshots).
enum FactsCodec {
    static func write(_ mutation: FactsMutation, into writer: inout BinaryWriter) {
        switch mutation {
        case .putUser(let user):
            writer.u8(1)
            writer.string(user.key)
            writer.optionalString(user.email)
            writer.optionalString(user.firstName)
            writer.optionalString(user.lastName)
            writer.attributes(user.attributes)
            writer.i64(user.createdAt.millisecondsSinceEpoch)
            writer.i64(user.updatedAt.millisecondsSinceEpoch)
        case .deleteUser(let key):
            writer.u8(2)
            writer.string(key)
        case .putTenant(let tenant):
            writer.u8(3)
            writer.string(tenant.key)
            writer.string(tenant.name)
            writer.optionalString(tenant.description)
            writer.attributes(tenant.attributes)
            writer.i64(tenant.createdAt.millisecondsSinceEpoch)
            writer.i64(tenant.updatedAt.millisecondsSinceEpoch)
            writer.i64(tenant.lastActionAt.millisecondsSinceEpoch)
        case .deleteTenant(let key):
            writer.u8(4)
            writer.string(key)
        case .assign(let key, let time):
            writer.u8(5)
            write(key, into: &writer)
            writer.i64(time.millisecondsSinceEpoch)
        case .unassign(let key):
            writer.u8(6)
            write(key, into: &writer)
        }
    }

    private static func write(_ key: AssignmentKey, into writer: inout BinaryWriter) {
        writer.string(key.user)
        writer.string(key.role)
        writer.string(key.tenant)
    }

    static func readMutation(_ reader: inout BinaryReader) throws(BinaryReader.Malformed) -> FactsMutation {
        func time() throws(BinaryReader.Malformed) -> Timestamp { Timestamp(millisecondsSinceEpoch: try reader.i64()) }
        switch try reader.u8() {
        case 1:
            return .putUser(
                UserRecord(
                    key: try reader.string(), email: try reader.optionalString(), firstName: try reader.optionalString(),
                    lastName: try reader.optionalString(), attributes: try reader.attributes(),
                    createdAt: try time(), updatedAt: try time()))
        case 2: return .deleteUser(key: try reader.string())
        case 3:
            return .putTenant(
                TenantRecord(
                    key: try reader.string(), name: try reader.string(), description: try reader.optionalString(),
                    attributes: try reader.attributes(), createdAt: try time(), updatedAt: try time(), lastActionAt: try time()))
        case 4: return .deleteTenant(key: try reader.string())
        case 5: return .assign(try readKey(&reader), at: try time())
        case 6: return .unassign(try readKey(&reader))
        case let tag: throw BinaryReader.Malformed(description: "unknown mutation tag \(tag)")
        }
    }

    private static func readKey(_ reader: inout BinaryReader) throws(BinaryReader.Malformed) -> AssignmentKey {
        AssignmentKey(user: try reader.string(), role: try reader.string(), tenant: try reader.string())
    }

    /// One transaction's mutations (a format 2 journal record's payload; its sequence number
    /// is in the record header).
    static func encodeMutations(_ mutations: [FactsMutation]) -> [UInt8] {
        var writer = BinaryWriter()
        writer.u32(UInt32(mutations.count))
        for mutation in mutations { write(mutation, into: &writer) }
        return writer.bytes
    }

    static func decodeMutations(_ bytes: ArraySlice<UInt8>) throws(BinaryReader.Malformed) -> [FactsMutation] {
        var reader = BinaryReader(bytes)
        var mutations: [FactsMutation] = []
        for _ in 0..<(try reader.count()) { mutations.append(try readMutation(&reader)) }
        guard reader.isAtEnd else { throw BinaryReader.Malformed(description: "trailing bytes in record") }
        return mutations
    }

    /// A format 1 journal payload: the sequence number, then the mutations.
    static func decodeTransaction(_ bytes: ArraySlice<UInt8>) throws(BinaryReader.Malformed) -> (UInt64, [FactsMutation]) {
        var reader = BinaryReader(bytes)
        let sequence = try reader.u64()
        return (sequence, try decodeMutations(bytes.dropFirst(8)))
    }

    /// A whole state as the mutations that rebuild it from empty.
    static func encodeState(_ state: FactsState) -> [UInt8] {
        var mutations: [FactsMutation] = []
        mutations.reserveCapacity(state.users.count + state.tenants.count + state.assignments.count)
        for key in state.tenants.keys.sorted() { if let tenant = state.tenants[key] { mutations.append(.putTenant(tenant)) } }
        for key in state.users.keys.sorted() { if let user = state.users[key] { mutations.append(.putUser(user)) } }
        for (key, time) in state.assignments.sorted(by: { $0.key < $1.key }) { mutations.append(.assign(key, at: time)) }
        return encodeMutations(mutations)
    }

    static func decodeState(_ bytes: ArraySlice<UInt8>) throws(BinaryReader.Malformed) -> FactsState {
        // No sizing up front: the state's dictionaries are persistent hash tries
        // (TreeDictionary), which never rehash as they grow.
        var state = FactsState()
        state.apply(try decodeMutations(bytes))
        return state
    }
}
