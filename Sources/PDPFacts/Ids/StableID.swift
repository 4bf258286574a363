// SPDX-License-Identifier: Apache-2.0
import Crypto

/// Deterministic UUIDs for the REST API: UUIDv5 (RFC 9562 §5.5, SHA-1) of a fixed namespace
/// and `<kind>:<key>`, so an object keeps its id across restarts and replicas.
///
/// The namespace is UUIDv5(URL namespace, `urn:swift-pdp`). The organization, project and
/// environment ids are the ids of `organization:default`, `project:default` and
/// `environment:default`.
public enum StableID {
    /// The RFC 9562 URL namespace, `6ba7b811-9dad-11d1-80b4-00c04fd430c8`.
    public static let urlNamespace: [UInt8] = [
        0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8,
    ]
    static let namespace = uuid5(namespace: urlNamespace, name: "urn:swift-pdp")

    public static let organization = id("organization", "default")
    public static let project = id("project", "default")
    public static let environment = id("environment", "default")

    /// The id of the object of `kind` (`user`, `tenant`, `role`, ...) named `key`, as text.
    public static func id(_ kind: String, _ key: String) -> String {
        format(uuid5(namespace: namespace, name: "\(kind):\(key)"))
    }

    /// UUIDv5 bytes of `name` (its UTF-8 bytes, as written: no normalization) in `namespace`.
    /// SHA-1 from swift-crypto; only as UUIDv5 prescribes it, not for collision resistance.
    public static func uuid5(namespace: [UInt8], name: String) -> [UInt8] {
        var hash = Insecure.SHA1()
        hash.update(data: namespace)
        hash.update(data: Array(name.utf8))
        var digest = Array(hash.finalize().prefix(16))
        digest[6] = digest[6] & 0x0F | 0x50
        digest[8] = digest[8] & 0x3F | 0x80
        return digest
    }

    /// A random (version 4) UUID, for error ids.
    public static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        bytes[6] = bytes[6] & 0x0F | 0x40
        bytes[8] = bytes[8] & 0x3F | 0x80
        return format(bytes)
    }

    /// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, lowercase.
    public static func format(_ bytes: [UInt8]) -> String {
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(36)
        for (index, byte) in bytes.enumerated() {
            if index == 4 || index == 6 || index == 8 || index == 10 { out.append(UInt8(ascii: "-")) }
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension StableID {
    /// `text` in the canonical lowercase form when it is a UUID
    /// (`xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, any case), else `nil`.
    public static func canonical(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        guard bytes.count == 36 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(36)
        for (index, byte) in bytes.enumerated() {
            if index == 8 || index == 13 || index == 18 || index == 23 {
                guard byte == UInt8(ascii: "-") else { return nil }
                out.append(byte)
                continue
            }
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"): out.append(byte)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): out.append(byte + 32)
            default: return nil
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
