// SPDX-License-Identifier: Apache-2.0

/// How many event loops `pdp serve` runs when `--threads` is not given.
///
/// One core fewer than the machine has (and at least one): a sidecar shares its machine with
/// the app it serves, and one loop per core oversubscribes it. A loop whose thread the kernel
/// descheduled stalls every connection it owns until it runs again, which put pdp's p99 at
/// several times nginx's on 2 cores with a loop per core (issue #17). With one loop fewer,
/// pdp's keep-alive p99 was 0.13-0.63x nginx's in three alternating runs (docs/performance.md,
/// "Tail latency and the default loop count", every round). Large `/allowed/bulk` batches
/// still use every core (see `ParallelBulk`). An operator who dedicates cores sets `--threads`.
public enum EventLoopCount {
    /// The default for a machine with `cores` usable cores (NIO's `System.coreCount`, which
    /// honours cgroup CPU limits).
    public static func defaultCount(cores: Int) -> Int {
        max(1, cores - 1)
    }
}
