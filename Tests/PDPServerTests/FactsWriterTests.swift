// SPDX-License-Identifier: Apache-2.0
import Foundation
import Logging
import NIOEmbedded
import NIOPosix
import PDPCore
import PDPFacts
import PDPStore
import Synchronization
import Testing

@testable import PDPServer

/// Issue #11 item 16: the writer has no threads of its own, and after shutdown a write is
/// refused at once instead of being run (and fsynced) on the caller's event loop.
@Suite struct FactsWriterTests {
    static var logger: Logger {
        var logger = Logger(label: "facts-writer-tests")
        logger.logLevel = .critical
        return logger
    }

    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "facts-writer-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test("after shutdown a write answers 503 at once and nothing reaches the journal")
    func refusesAfterShutdown() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let snapshots = SnapshotStore(try Fixtures.snapshot())
        let storage = try FactsStore(configuration: FactsStoreConfiguration(directory: directory))
        let writer = FactsWriter(base: snapshots.current, storage: storage, snapshots: snapshots, logger: Self.logger)
        let before = try await writer.submit(.createUser(UserInput(key: "stored")), on: group.next()).get()
        try await group.shutdownGracefully()
        guard case .success = before else { Issue.record("write refused: \(before)"); return }
        await writer.shutdown()
        let journal = directory + "/facts.journal"
        let size = try FileManager.default.attributesOfItem(atPath: journal)[.size] as? Int

        // An embedded loop runs callbacks on this thread: the answer must be there when
        // submit returns (no hop to a writer, no disk).
        let eventLoop = EmbeddedEventLoop()
        let received = Answer()
        writer.submit(.createUser(UserInput(key: "too-late")), on: eventLoop).whenSuccess { result in received.value.withLock { $0 = result } }
        let answer = received.value.withLock { $0 }
        guard case .failure(let error) = answer else { Issue.record("a write after shutdown was accepted: \(String(describing: answer))"); return }
        #expect(error.kind == .unavailable)
        #expect(RESTError(error).status == .serviceUnavailable)
        #expect(writer.catalog.user("too-late") == nil)
        #expect(try FileManager.default.attributesOfItem(atPath: journal)[.size] as? Int == size)
        // A reload still goes through (the policy may change while writes drain).
        #expect(await writer.reload(base: try Fixtures.snapshot()).isEmpty)
    }

    final class Answer: Sendable {
        let value = Mutex<Result<FactsReply, FactsError>?>(nil)
    }

    #if os(Linux)
    /// Threads of this process named like NIO's thread pools (`TP-#0`), which the writer
    /// used to start two of in `init`.
    static func threadPoolThreads() throws -> Int {
        let tasks = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")
        return tasks.filter { task in
            ((try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8)) ?? "").hasPrefix("TP-")
        }.count
    }

    @Test("writers start no threads, so one never shut down leaks none")
    func noThreads() throws {
        let snapshots = SnapshotStore(try Fixtures.snapshot())
        let before = try Self.threadPoolThreads()
        let writers = (0..<10).map { _ in FactsWriter.inMemory(snapshots: snapshots, logger: Self.logger) }
        #expect(try Self.threadPoolThreads() == before)
        withExtendedLifetime(writers) {}
    }
    #endif
}
