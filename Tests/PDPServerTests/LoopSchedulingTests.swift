// SPDX-License-Identifier: Apache-2.0
import Foundation
import NIOPosix
@testable import PDPServer
import Testing

/// `pdp serve --loop-slice`: every event loop thread asks the kernel for a short time slice.
/// On Linux 6.12 and later the kernel reports the slice back; older kernels accept the call
/// and keep their default, which the test then only checks is unchanged.
@Suite struct LoopSchedulingTests {
    /// Linux's version as (major, minor), from uname.
    static var kernel: (Int, Int)? {
        var name = utsname()
        uname(&name)
        let release = withUnsafeBytes(of: &name.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let parts = release.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
        return parts.count == 2 ? (parts[0], parts[1]) : nil
    }

    static var kernelHasCustomSlices: Bool {
        guard let (major, minor) = kernel else { return false }
        return major > 6 || (major == 6 && minor >= 12)
    }

    @Test("every loop of the group gets the slice it asked for; threads outside the group keep theirs")
    func everyLoopGetsTheSlice() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 3)
        let before = try await group.next().submit { LoopScheduling.currentSliceNanoseconds() }.get()
        let outcomes = await LoopScheduling.requestSlice(microseconds: 250, on: group)
        #expect(outcomes.count == 3)
        for outcome in outcomes {
            #expect(outcome.error == 0)
            if Self.kernelHasCustomSlices {
                #expect(outcome.sliceNanoseconds == 250_000)
            } else {
                #expect(outcome.sliceNanoseconds == before)
            }
        }
        // What the loops' threads report later, from the threads themselves.
        for loop in group.makeIterator() {
            let slice = try await loop.submit { LoopScheduling.currentSliceNanoseconds() }.get()
            #expect(slice == (Self.kernelHasCustomSlices ? 250_000 : before))
        }
        // The thread running the test is not one of the loops: untouched.
        let own = LoopScheduling.currentSliceNanoseconds()
        #expect(own != 250_000 || !Self.kernelHasCustomSlices)
        try await group.shutdownGracefully()
    }

    @Test("a slice below the kernel's floor is raised to it, not refused")
    func belowTheFloorIsClamped() async throws {
        guard Self.kernelHasCustomSlices else { return }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let outcomes = await LoopScheduling.requestSlice(microseconds: 10, on: group)
        #expect(outcomes == [LoopScheduling.Outcome(error: 0, sliceNanoseconds: 100_000)])
        try await group.shutdownGracefully()
    }
}
