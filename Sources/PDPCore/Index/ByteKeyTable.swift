// SPDX-License-Identifier: Apache-2.0

/// An open-addressing hash table keyed by UTF-8 bytes.
///
/// Written by hand rather than using `Dictionary<String, Value>` because the check hot path
/// receives keys as bytes inside a request buffer: building a `String` for every lookup
/// validates UTF-8, hashes with SipHash and allocates for keys over 15 bytes. Here a lookup
/// hashes the bytes it is given, probes a flat slot array and compares bytes in one arena,
/// with no allocation. All storage is in arrays, so the table is a copy-on-write value:
/// a snapshot holding one copy never sees later mutations of another.
///
/// Keys are hashed with a secret ``ByteKeySeed`` (the process's random one unless a
/// test passes its own), so nobody outside the process can choose keys that share a probe
/// chain.
public struct ByteKeyTable<Value>: @unchecked Sendable {
    // @unchecked: every stored property is a copy-on-write value type; `Value` is only
    // ever a `Sendable` payload in this module (ids and grant lists).

    @usableFromInline struct Entry {
        @usableFromInline var hash: UInt64
        @usableFromInline var offset: UInt32
        @usableFromInline var length: UInt32
        @usableFromInline var value: Value?
    }

    /// Key bytes, back to back. Removed keys leave garbage, reclaimed by `compacted()`.
    @usableFromInline var arena: [UInt8] = []
    @usableFromInline var entries: [Entry] = []
    /// Index into `entries` + 1; 0 = empty, -1 = tombstone.
    @usableFromInline var slots: [Int32]
    @usableFromInline var mask: Int
    @usableFromInline var tombstones = 0
    public private(set) var count = 0
    /// The key of the hash; every hash stored in `entries` was computed with it.
    public let seed: ByteKeySeed

    /// An empty table with room for `minimumCapacity` keys before it grows, hashing with
    /// `seed` (``ByteKeySeed/process`` by default: pass another only to make a
    /// test repeatable, or so that tables sharing precomputed hashes agree).
    public init(minimumCapacity: Int = 8, seed: ByteKeySeed = .process) {
        var size = 8
        while size < minimumCapacity * 2 { size <<= 1 }
        slots = Array(repeating: 0, count: size)
        mask = size - 1
        self.seed = seed
    }

    /// The hash of `key` under this table's seed, as ``value(forBytes:hash:)`` takes it.
    @inlinable @inline(__always)
    func hash(_ key: UnsafeRawBufferPointer) -> UInt64 {
        ByteKeys.hash(key.baseAddress, count: key.count, seed: seed)
    }

    @inlinable @inline(__always)
    func entryIndex(_ key: UnsafeRawBufferPointer, hash: UInt64) -> Int? {
        var slot = Int(truncatingIfNeeded: hash) & mask
        return slots.withUnsafeBufferPointer { slots in
            entries.withUnsafeBufferPointer { entries in
                arena.withUnsafeBytes { arena in
                    while true {
                        let raw = slots[slot]
                        if raw == 0 { return nil }
                        if raw > 0 {
                            let entry = entries[Int(raw) - 1]
                            if entry.hash == hash, Int(entry.length) == key.count, entry.value != nil {
                                let start = Int(entry.offset)
                                if key.count == 0
                                    || ByteKeys.equal(arena.baseAddress! + start, key.baseAddress!, count: key.count)
                                {
                                    return Int(raw) - 1
                                }
                            }
                        }
                        slot = (slot &+ 1) & mask
                    }
                }
            }
        }
    }

    /// The value stored for `key`, or `nil`. Does not allocate.
    @inlinable
    public func value(forBytes key: UnsafeRawBufferPointer) -> Value? {
        value(forBytes: key, hash: self.hash(key))
    }

    /// As `value(forBytes:)`, with the key's ``hash(_:)`` already computed (under this
    /// table's seed).
    @inlinable
    func value(forBytes key: UnsafeRawBufferPointer, hash: UInt64) -> Value? {
        guard let index = entryIndex(key, hash: hash) else { return nil }
        return entries[index].value
    }

    /// The value stored for `key`, or `nil`.
    @inlinable
    public func value(for key: String) -> Value? {
        var key = key
        return key.withUTF8 { value(forBytes: UnsafeRawBufferPointer($0)) }
    }

    /// Stores `value` for `key`, replacing any previous value. Returns the previous value.
    @discardableResult
    public mutating func updateValue(_ value: Value, forBytes key: UnsafeRawBufferPointer) -> Value? {
        let hash = self.hash(key)
        // `findEntry`, not the inlined lookup: see there.
        if let index = findEntry(key, hash: hash) {
            let old = entries[index].value
            entries[index].value = value
            return old
        }
        insertNew(value, forBytes: key, hash: hash)
        return nil
    }

    /// Adds `key`, known to be absent.
    private mutating func insertNew(_ value: Value, forBytes key: UnsafeRawBufferPointer, hash: UInt64) {
        if (count + tombstones + 1) * 4 > slots.count * 3 { grow() }
        let offset = UInt32(arena.count)
        arena.append(contentsOf: UnsafeBufferPointer(start: key.baseAddress?.assumingMemoryBound(to: UInt8.self), count: key.count))
        entries.append(Entry(hash: hash, offset: offset, length: UInt32(key.count), value: value))
        insertSlot(hash: hash, entry: Int32(entries.count))
        count += 1
    }

    /// ``entryIndex(_:hash:)`` behind a call, for the mutating methods: inlined there, the
    /// restart's million inserts spent about a quarter of their time in `memmove` under the
    /// appends that follow (the buffer accesses' retains outliving the lookup is the likely
    /// reason); behind a call the index build went from 0.45 s to 0.36 s.
    @inline(never)
    func findEntry(_ key: UnsafeRawBufferPointer, hash: UInt64) -> Int? { entryIndex(key, hash: hash) }

    /// Stores `value` for `key` unless the key is present. Returns whether it stored it.
    mutating func insertIfAbsent(_ value: Value, forBytes key: UnsafeRawBufferPointer, hash: UInt64) -> Bool {
        if findEntry(key, hash: hash) != nil { return false }
        insertNew(value, forBytes: key, hash: hash)
        return true
    }

    /// Makes room for `more` keys of `bytes` bytes in all, so adding them does not grow
    /// the table or its arrays.
    mutating func reserve(more: Int, bytes: Int) {
        entries.reserveCapacity(entries.count + more)
        arena.reserveCapacity(arena.count + bytes)
        if (count + tombstones + more) * 4 > slots.count * 3 { grow(toHold: count + more) }
    }

    @discardableResult
    public mutating func updateValue(_ value: Value, forKey key: String) -> Value? {
        var key = key
        return key.withUTF8 { updateValue(value, forBytes: UnsafeRawBufferPointer($0)) }
    }

    /// Removes `key`. Returns the removed value.
    @discardableResult
    public mutating func removeValue(forKey key: String) -> Value? {
        var key = key
        return key.withUTF8 { removeValue(forBytes: UnsafeRawBufferPointer($0)) }
    }

    /// Removes the key whose bytes are `key`. Returns the removed value.
    @discardableResult
    public mutating func removeValue(forBytes raw: UnsafeRawBufferPointer) -> Value? {
        let hash = self.hash(raw)
        guard let index = entryIndex(raw, hash: hash) else { return nil }
        let old = entries[index].value
        entries[index].value = nil
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] != Int32(index + 1) { slot = (slot + 1) & mask }
        slots[slot] = -1
        tombstones += 1
        count -= 1
        return old
    }

    private mutating func insertSlot(hash: UInt64, entry: Int32) {
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] > 0 { slot = (slot + 1) & mask }
        if slots[slot] == -1 { tombstones -= 1 }
        slots[slot] = entry
    }

    private mutating func grow(toHold wanted: Int = 0) {
        // Rebuild: drops tombstones and removed entries, doubles when mostly live.
        let live = entries.filter { $0.value != nil }
        var size = slots.count
        while max(live.count, wanted) * 2 >= size { size <<= 1 }
        var newArena: [UInt8] = []
        newArena.reserveCapacity(arena.capacity)
        var newEntries: [Entry] = []
        newEntries.reserveCapacity(max(live.count, entries.capacity))
        for entry in live {
            let start = Int(entry.offset)
            let offset = UInt32(newArena.count)
            newArena.append(contentsOf: arena[start..<start + Int(entry.length)])
            newEntries.append(Entry(hash: entry.hash, offset: offset, length: entry.length, value: entry.value))
        }
        arena = newArena
        entries = newEntries
        slots = Array(repeating: 0, count: size)
        mask = size - 1
        tombstones = 0
        for index in entries.indices {
            insertSlot(hash: entries[index].hash, entry: Int32(index + 1))
        }
    }

    /// The most slots a lookup of a present key probes: 1 when every key sits in its home
    /// slot. For tests and diagnostics (it visits every slot).
    func longestProbe() -> Int {
        var longest = 0
        for (slot, raw) in slots.enumerated() where raw > 0 {
            let home = Int(truncatingIfNeeded: entries[Int(raw) - 1].hash) & mask
            longest = max(longest, ((slot &- home) & mask) + 1)
        }
        return longest
    }

    /// Every live key and value, in insertion order.
    public func forEach(_ body: (String, Value) throws -> Void) rethrows {
        for entry in entries {
            guard let value = entry.value else { continue }
            let start = Int(entry.offset)
            let key = String(decoding: arena[start..<start + Int(entry.length)], as: UTF8.self)
            try body(key, value)
        }
    }

    /// Every live value, in insertion order, without materializing keys.
    public func forEachValue(_ body: (Value) throws -> Void) rethrows {
        for entry in entries {
            if let value = entry.value { try body(value) }
        }
    }
}
