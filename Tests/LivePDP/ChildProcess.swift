// SPDX-License-Identifier: Apache-2.0
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A child process started with `posix_spawn`, its stdout a pipe (close-on-exec in the
/// parent), its stderr a file, reaped by `waitpid` on a thread of its own.
final class ChildProcess: @unchecked Sendable {
    let pid: pid_t
    /// The read end of the child's stdout.
    let stdout: Int32
    private let lock = NSLock()
    private var status: Int32?
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// The exit status once the child has been reaped, else `nil`.
    var exitStatus: Int32? { lock.withLock { status } }

    /// - Throws: a POSIX error when the pipe, the stderr file or the spawn fails.
    static func spawn(_ path: String, arguments: [String], stderrPath: String) throws -> ChildProcess {
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else { throw POSIXError(.EMFILE) }
        // Close-on-exec at once (Glibc's module has no pipe2): no other child keeps them open.
        for end in pipeEnds { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        let errorFile = open(stderrPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard errorFile >= 0 else {
            close(pipeEnds[0])
            close(pipeEnds[1])
            throw POSIXError(.EACCES)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errorFile, 2)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)

        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, path, &actions, nil, argv, environ)
        close(pipeEnds[1])
        close(errorFile)
        guard result == 0 else {
            close(pipeEnds[0])
            throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EIO)
        }
        let child = ChildProcess(pid: pid, stdout: pipeEnds[0])
        Thread.detachNewThread { child.reap() }
        return child
    }

    private init(pid: pid_t, stdout: Int32) {
        self.pid = pid
        self.stdout = stdout
    }

    /// Blocks in `waitpid` until the child exits, then wakes everyone waiting.
    private func reap() {
        var raw: Int32 = 0
        while waitpid(pid, &raw, 0) < 0 && errno == EINTR {}
        let pending = lock.withLock { () -> [CheckedContinuation<Void, Never>] in
            status = raw
            defer { waiters = [] }
            return waiters
        }
        pending.forEach { $0.resume() }
    }

    /// Sends SIGTERM if the child still runs.
    func terminate() {
        if exitStatus == nil { kill(pid, SIGTERM) }
    }

    /// Sends SIGTERM and waits for the exit.
    func terminateAndWait() async {
        terminate()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = lock.withLock { () -> Bool in
                if status != nil { return true }
                waiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }
}
