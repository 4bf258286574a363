// SPDX-License-Identifier: Apache-2.0
import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Tells when the policy files may have changed: file-system events delivered by a
/// `DispatchSource`, and a slow timer as a fallback.
///
/// On Linux, Dispatch has no file-system object source, so the kernel's inotify descriptor is
/// watched by a Dispatch read source. Every path given is watched, and so is the directory it
/// sits in: editors save by writing a new file and renaming it over the old one, and
/// Kubernetes updates a ConfigMap volume by swapping its `..data` symlink, so the inode a
/// watch was put on is often gone after one change. After every batch of events the watches
/// are put on the paths again (the kernel returns the same watch for an unchanged inode), so
/// a replaced file is watched from then on.
///
/// The stream ``changes`` yields a value per batch of events and per fallback tick, at most
/// one pending (a burst is one check). It is a hint: the consumer compares the files'
/// fingerprint to decide whether anything changed.
///
/// When inotify is not available (`inotify_init1` fails, e.g. the per-user instance limit
/// is reached, or not Linux), only the timer runs: polling, as before.
final class PolicyFileWatcher: @unchecked Sendable {
    // Unchecked: `descriptor` and the sources are set in `init` and only read afterwards;
    // after `init`, the watches are renewed only on `queue`.
    let changes: AsyncStream<Void>
    /// Whether file-system events are delivered (false: polling only).
    let usesEvents: Bool
    private let continuation: AsyncStream<Void>.Continuation
    private let paths: [String]
    private let queue = DispatchQueue(label: "pdp.policy-watch")
    private let descriptor: Int32
    private var sources: [DispatchSourceProtocol] = []

    /// Starts watching `paths` at once. The timer ticks every `fallback` besides events, or
    /// every `withoutEvents` when inotify is not available.
    init(paths: [String], fallback: Duration, withoutEvents: Duration) {
        (changes, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        self.paths = paths
        #if os(Linux)
        var opened = inotify_init1(Int32(O_NONBLOCK | O_CLOEXEC))
        #else
        var opened: Int32 = -1
        #endif
        // No watch at all (the per-user watch limit reached, no path or directory there):
        // events would never come, so poll as if inotify were missing.
        if opened >= 0, Self.arm(opened, paths) == 0 {
            close(opened)
            opened = -1
        }
        descriptor = opened
        usesEvents = descriptor >= 0
        if usesEvents {
            let read = DispatchSource.makeReadSource(fileDescriptor: descriptor, queue: queue)
            read.setEventHandler { [weak self] in self?.drain() }
            // Closed only once the source has let go of it: closing earlier could hand the
            // number to a new file that the source would then watch.
            let descriptor = self.descriptor
            read.setCancelHandler { close(descriptor) }
            sources.append(read)
        }
        let timer = DispatchSource.makeTimerSource(queue: queue)
        let nanoseconds = max(1_000_000, Self.nanoseconds(usesEvents ? fallback : withoutEvents))
        timer.schedule(deadline: .now() + .nanoseconds(nanoseconds), repeating: .nanoseconds(nanoseconds))
        timer.setEventHandler { [weak self] in self?.continuation.yield() }
        sources.append(timer)
        for source in sources { source.resume() }
        // A first look at once: a change between loading the policy and arming the watches
        // raised no event.
        continuation.yield()
    }

    /// Stops the sources (the read source's cancellation closes the inotify descriptor) and
    /// ends ``changes``.
    func stop() {
        continuation.finish()
        for source in sources { source.cancel() }
    }

    deinit { continuation.finish() }

    #if os(Linux)
    private static let mask = UInt32(
        IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_DELETE_SELF
            | IN_MOVE_SELF)
    #endif

    /// Puts a watch on every path and on its directory; a path that does not exist (yet) is
    /// skipped, its directory still reports its creation. Returns how many watches are set.
    @discardableResult
    private static func arm(_ descriptor: Int32, _ paths: [String]) -> Int {
        var armed = 0
        #if os(Linux)
        for path in paths {
            if inotify_add_watch(descriptor, path, mask) >= 0 { armed += 1 }
            if inotify_add_watch(descriptor, directory(of: path), mask) >= 0 { armed += 1 }
        }
        #endif
        return armed
    }

    /// Reads every pending event (their content does not matter: any event is a hint),
    /// re-arms the watches and yields one change.
    private func drain() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        var any = false
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                any = true
                continue
            }
            if count < 0, errno == EINTR { continue }
            break
        }
        guard any else { return }
        Self.arm(descriptor, paths)
        continuation.yield()
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func nanoseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        let total = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !total.overflow else { return Int.max / 2 }
        return Int(clamping: total.partialValue + attoseconds / 1_000_000_000)
    }
}
