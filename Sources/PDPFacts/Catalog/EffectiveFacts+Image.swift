// SPDX-License-Identifier: Apache-2.0
import PDPCore
import PDPStore

/// What the facts API will count once its catalog is built, known as soon as the decision
/// index is: `/ready` and `/metrics` report it while the catalog is being built.
public struct FactsSummary: Sendable, Equatable {
    public var users = 0
    public var tenants = 0
    public var assignments = 0
    /// How many API assignments the policy cannot apply (unknown role or tenant), and the
    /// first few of them in order.
    public var danglingCount = 0
    public var danglingSample: [AssignmentKey] = []
    /// The store's change position of the last transaction included.
    public var position: UInt64 = 0

    /// How many dangling assignments a summary lists.
    public static let sampleSize = 10

    public init() {}

    /// The summary of a built catalog.
    public init(_ catalog: FactsCatalog) {
        users = catalog.api.users.count
        tenants = catalog.api.tenants.count
        assignments = catalog.api.assignments.count
        danglingCount = catalog.dangling.count
        danglingSample = catalog.dangling.elements(in: 0..<min(Self.sampleSize, catalog.dangling.count))
        position = catalog.position
    }
}

extension EffectiveFacts {
    /// ``build(base:api:)`` straight from the files a store read, without building the
    /// ``FactsState``: the snapshot's users and assignments go from its bytes into the
    /// index a user at a time (no string, map or array per fact), and the journal after it
    /// is folded in so the result is the full rebuild of the final facts, exactly.
    ///
    /// This is what a restart waits for before it answers checks: about 0.3 s for a million
    /// users and assignments, where the state, the listings and the stable ids the facts API
    /// needs take several seconds more (built afterwards, off the path to ready).
    /// - Returns: the snapshot, its summary, and the API assignments it could not apply
    ///   (sorted); `nil` when the snapshot is not a plain list of facts (format 1, or an
    ///   unusual order): use ``build(base:api:)`` on the materialized state then.
    /// - Throws: ``FactsStoreError/corruptSnapshot(file:reason:)`` for bytes that do not
    ///   decode.
    public static func build(
        base: PolicySnapshot, image: FactsImage
    ) throws(FactsStoreError) -> (snapshot: PolicySnapshot, summary: FactsSummary, dangling: [AssignmentKey])? {
        // The declared tenants only (and `default`): `StaticFacts` would also index every
        // declared user, which nothing here needs before the server is ready.
        let declaredTenants = Set(base.policy.tenants.map { FactKey($0.key.value) } + [FactKey(FactsIndex.defaultTenantKey)])
        let overlay = JournalOverlay(image.transactions)
        var builder = ImageIndexBuilder(facts: base.facts, declaredTenants: declaredTenants, overlay: overlay)
        builder.summary.position = image.lastSequence
        guard try image.readSnapshot(into: &builder), builder.plain else { return nil }
        builder.finish()
        let facts = builder.facts
        builder.facts = FactsIndex(policy: base.policy)
        var summary = builder.summary
        summary.danglingCount = builder.dangling.count
        summary.danglingSample = Array(builder.dangling.prefix(FactsSummary.sampleSize))
        return (PolicySnapshot(policy: base.policy, facts: facts, warnings: base.warnings), summary, builder.dangling)
    }
}

/// The final word of a journal on each fact it touched, so that a snapshot's fact is taken
/// from the snapshot only when the journal left it alone. Applying the transactions in
/// order to these small maps gives the same final facts as applying them to the whole
/// ``FactsState`` (`FactsState.apply` is mirrored case by case).
struct JournalOverlay {
    /// Users put (`true`) or deleted (`false`) last.
    var users: [FactKey: Bool] = [:]
    /// Tenants put (the record) or deleted (`nil`) last.
    var tenants: [FactKey: TenantRecord?] = [:]
    /// Assignments made (`true`) or removed (`false`) last, by any mutation.
    var assignments: [AssignmentKey: Bool] = [:]
    /// Users and tenants deleted at some point: their snapshot assignments are gone (the
    /// journal's own later assignments are in ``assignments``).
    var deletedUsers: Set<FactKey> = []
    var deletedTenants: Set<FactKey> = []
    /// Users with an entry in ``assignments`` or in ``deletedUsers``: the snapshot
    /// assignments of every other user need no lookup here.
    var touchedUsers: Set<FactKey> = []
    /// ``users`` and ``touchedUsers`` by key bytes: the builder asks for every user and
    /// assignment of the snapshot, and a byte-wise lookup makes no string (a `String` and a
    /// `Set` probe per fact cost a restart with a million users about 0.2 s).
    private(set) var userBytes = ByteKeyTable<Bool>()
    private(set) var touchedUserBytes = ByteKeyTable<Bool>()
    private var byUser: [FactKey: [AssignmentKey]] = [:]
    private var byTenant: [FactKey: [AssignmentKey]] = [:]

    init(_ transactions: [[FactsMutation]]) {
        for mutation in transactions.joined() { apply(mutation) }
        for user in users.keys { userBytes.updateValue(true, forKey: user.string) }
        for user in touchedUsers { touchedUserBytes.updateValue(true, forKey: user.string) }
    }

    /// Whether the journal put or deleted the user whose key is `key` (snapshot bytes).
    func touchesUser(_ key: UnsafeRawBufferPointer, ascii: Bool) -> Bool {
        guard !users.isEmpty else { return false }
        return ascii ? userBytes.value(forBytes: key) != nil : users[FactKey(String(decoding: key, as: UTF8.self))] != nil
    }

    /// Whether the journal changed assignments of, or deleted, the user whose key is `key`.
    func touchesAssignments(ofUser key: UnsafeRawBufferPointer, ascii: Bool) -> Bool {
        guard !touchedUsers.isEmpty else { return false }
        return ascii ? touchedUserBytes.value(forBytes: key) != nil : touchedUsers.contains(FactKey(String(decoding: key, as: UTF8.self)))
    }

    var isEmpty: Bool { users.isEmpty && tenants.isEmpty && assignments.isEmpty && deletedTenants.isEmpty }

    private mutating func apply(_ mutation: FactsMutation) {
        switch mutation {
        case .putUser(let user):
            users[FactKey(user.key)] = true
        case .deleteUser(let key):
            let user = FactKey(key)
            users[user] = false
            deletedUsers.insert(user)
            touchedUsers.insert(user)
            for assignment in byUser[user] ?? [] { assignments[assignment] = false }
        case .putTenant(let tenant):
            tenants[FactKey(tenant.key)] = .some(tenant)
        case .deleteTenant(let key):
            let tenant = FactKey(key)
            tenants[tenant] = .some(nil)
            deletedTenants.insert(tenant)
            for assignment in byTenant[tenant] ?? [] { assignments[assignment] = false }
        case .assign(let key, _):
            set(key, true)
        case .unassign(let key):
            set(key, false)
        }
    }

    private mutating func set(_ key: AssignmentKey, _ present: Bool) {
        if assignments.updateValue(present, forKey: key) == nil {
            byUser[FactKey(key.user), default: []].append(key)
            byTenant[FactKey(key.tenant), default: []].append(key)
        }
        touchedUsers.insert(FactKey(key.user))
    }
}

/// Builds the effective index from a snapshot's facts as ``FactsImage/readSnapshot(into:)``
/// hands them over, then the journal's (``JournalOverlay``), as ``EffectiveFacts/build(base:api:)``
/// builds it from the final state: API tenants the policy does not declare, every API user,
/// and each assignment whose role and tenant exist (the others counted as dangling).
struct ImageIndexBuilder: FactsSnapshotVisitor {
    var facts: FactsIndex
    /// The tenants the policy declares, plus `default`: they keep their declared fields.
    let declaredTenants: Set<FactKey>
    let overlay: JournalOverlay
    var summary = FactsSummary()
    /// The API assignments the policy cannot apply; sorted by ``finish()``.
    var dangling: [AssignmentKey] = []
    /// Cleared when the snapshot is not in the order ``FactsCodec`` writes (a tenant after a
    /// user or an assignment): the caller falls back to the full rebuild.
    private(set) var plain = true
    private var tenantsDone = false
    /// The snapshot's users, gathered and inserted together at the end (see
    /// ``FactsIndex/UserBatch``).
    private var batch: FactsIndex.UserBatch
    /// The user whose assignments are being gathered (a view into the file), and those so far.
    private var currentUser = UnsafeRawBufferPointer(start: nil, count: 0)
    private var pairs: [(tenant: TenantID, role: RoleID)] = []
    /// The last role and tenant looked up: a snapshot lists assignments by user, and most
    /// name one of a few roles in one of a few tenants.
    private var lastRoleKey: [UInt8] = [0xFF]
    private var lastRole: RoleID?
    private var lastTenantKey: [UInt8] = [0xFF]
    private var lastTenant: TenantID?

    init(facts: FactsIndex, declaredTenants: Set<FactKey>, overlay: JournalOverlay) {
        self.facts = facts
        batch = facts.makeUserBatch()
        self.declaredTenants = declaredTenants
        self.overlay = overlay
    }

    mutating func begin(records: Int) {
        // Room for as many users as there are facts (an upper bound): the table is sharded
        // and sized once, not regrown by doubling as a million users arrive.
        facts.reserveForLoading(users: records)
        batch = facts.makeUserBatch(capacity: records / 2)
    }

    mutating func end() {
        flush()
        facts.insert(batch)
        batch = facts.makeUserBatch()
    }

    mutating func tenant(_ record: TenantRecord) {
        guard !tenantsDone else {
            plain = false
            return
        }
        let key = FactKey(record.key)
        // A tenant the journal put or deleted afterwards is added (or not) by `finishTenants`.
        guard overlay.tenants[key] == nil else { return }
        add(record)
    }

    private mutating func add(_ tenant: TenantRecord) {
        summary.tenants += 1
        if !declaredTenants.contains(FactKey(tenant.key)) {
            facts.upsertTenant(key: tenant.key, name: tenant.name, description: tenant.description, attributes: tenant.attributes)
        }
    }

    /// The journal's tenants, once the snapshot's are in: every tenant exists before the
    /// first assignment is resolved, as in the full rebuild.
    private mutating func finishTenants() {
        guard !tenantsDone else { return }
        tenantsDone = true
        for case let tenant?? in overlay.tenants.values { add(tenant) }
    }

    mutating func user(_ key: UnsafeRawBufferPointer) {
        finishTenants()
        let ascii = Self.isASCII(key)
        if overlay.touchesUser(key, ascii: ascii) { return }
        summary.users += 1
        if ascii { facts.add(&batch, userBytes: key) } else { facts.addUser(Self.string(key)) }
    }

    mutating func assignment(user: UnsafeRawBufferPointer, role: UnsafeRawBufferPointer, tenant: UnsafeRawBufferPointer) {
        finishTenants()
        let ascii = Self.isASCII(user)
        if overlay.touchesAssignments(ofUser: user, ascii: ascii) || !overlay.deletedTenants.isEmpty {
            let key = AssignmentKey(user: Self.string(user), role: Self.string(role), tenant: Self.string(tenant))
            // The journal's last word on it is applied by `finish`.
            if overlay.assignments[key] != nil { return }
            if overlay.deletedUsers.contains(FactKey(key.user)) || overlay.deletedTenants.contains(FactKey(key.tenant)) { return }
        }
        summary.assignments += 1
        let roleID = resolveRole(role)
        let tenantID = resolveTenant(tenant)
        guard let roleID, let tenantID else {
            dangling.append(AssignmentKey(user: Self.string(user), role: Self.string(role), tenant: Self.string(tenant)))
            return
        }
        guard ascii else {
            flush()
            facts.assign(user: Self.string(user), role: roleID, tenant: tenantID)
            return
        }
        if !Self.equal(currentUser, user) {
            flush()
            currentUser = user
        }
        pairs.append((tenantID, roleID))
    }

    /// Hands the gathered assignments of the current user to the index.
    private mutating func flush() {
        guard !pairs.isEmpty else { return }
        facts.grant(&batch, userBytes: currentUser, pairs)
        pairs.removeAll(keepingCapacity: true)
    }

    // The caches start on a key no UTF-8 string has (0xFF), so the first lookup is made.
    private mutating func resolveRole(_ key: UnsafeRawBufferPointer) -> RoleID? {
        if !lastRoleKey.elementsEqual(key) {
            lastRoleKey.replaceSubrange(lastRoleKey.indices, with: key)
            lastRole = Self.isASCII(key) ? facts.policy.roleID(bytes: key) : facts.policy.roleID(Self.string(key))
        }
        return lastRole
    }

    private mutating func resolveTenant(_ key: UnsafeRawBufferPointer) -> TenantID? {
        if !lastTenantKey.elementsEqual(key) {
            lastTenantKey.replaceSubrange(lastTenantKey.indices, with: key)
            lastTenant = Self.isASCII(key) ? facts.tenantID(bytes: key) : facts.tenantID(Self.string(key))
        }
        return lastTenant
    }

    /// After the snapshot (and ``end()``): the journal's users and assignments, then the
    /// dangling sorted.
    mutating func finish() {
        finishTenants()
        for case let (user, true) in overlay.users {
            summary.users += 1
            facts.addUser(user.string)
        }
        for case let (key, true) in overlay.assignments {
            summary.assignments += 1
            if let role = facts.policy.roleID(key.role), let tenant = facts.tenantID(key.tenant) {
                facts.assign(user: key.user, role: role, tenant: tenant)
            } else {
                dangling.append(key)
            }
        }
        dangling.sort()
    }

    /// The key as the full decoder makes it (`String(decoding:as:)`, which repairs invalid
    /// UTF-8 the same way).
    private static func string(_ bytes: UnsafeRawBufferPointer) -> String { String(decoding: bytes, as: UTF8.self) }

    private static func equal(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        a.count == b.count && a.elementsEqual(b)
    }

    /// ASCII bytes are the UTF-8 of the string made from them: the byte-wise path is exact.
    private static func isASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        let count = bytes.count
        while count - index >= 8 {
            if bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { return false }
            index += 8
        }
        while index < count {
            if bytes[index] & 0x80 != 0 { return false }
            index += 1
        }
        return true
    }
}
