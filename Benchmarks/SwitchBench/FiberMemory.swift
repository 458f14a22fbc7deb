import Asyncify

/// Memory per idle fiber of our fiber core: many fibers, each started and
/// suspended in a swap back to main, all alive at once.
enum FiberMemory {
    /// With the API's default 4096-byte Asyncify buffers (Emscripten's
    /// `ASYNCIFY_STACK_SIZE` default is the same), and with small 256-byte ones
    /// to show the fixed cost of a fiber.
    static let producers = [4096, 256].map { bytes in
        MemoryProducer(name: "asyncify-fiber-\(bytes)") { config in
            try measure(bufferBytes: bytes, count: config.idleFiberCount)
        }
    }

    static func measure(bufferBytes: Int, count: Int) throws -> MemoryFigure? {
        guard let before = residentBytes() else { return nil }
        printProgress("measuring memory of \(count) suspended asyncify fibers")
        let runtime = FiberRuntime()
        let main = runtime.makeFiberFromCurrentContext(name: "main", asyncifyStackSize: 64)
        let fibers = UnsafeMutableBufferPointer<Fiber>.allocate(capacity: count)
        defer { fibers.deallocate() }
        for index in 0..<count {
            let fiber = runtime.allocateFiber()
            try runtime.initialize(fiber, asyncifyStackSize: bufferBytes) { cx, _ in
                // Park: swap back to main and stay suspended there.
                var frame = cx.enter()
                if frame.isRewinding { try frame.restore() as Void }
                while true {
                    try cx.swap(from: fiber, to: main)
                    if try frame.unwinding(at: 1, saving: ()) { return }
                }
            }
            fibers.initializeElement(at: index, to: fiber)
        }
        // main starts every fiber once; each suspends straight away.
        try runtime.run { cx, _ in
            var index = 0
            var frame = cx.enter()
            if frame.isRewinding { index = try frame.restore() }
            while index < count {
                try cx.swap(from: main, to: fibers[index])
                if try frame.unwinding(at: 1, saving: index) { return }
                index &+= 1
            }
        }
        guard count == 0 || runtime.status(of: fibers[count - 1]) == .suspended else {
            throw BenchError(description: "the last fiber is not suspended: the memory figure would be wrong")
        }
        guard let after = residentBytes() else { return nil }
        withExtendedLifetime(runtime) {}
        return MemoryFigure(
            implementation: "asyncify-fiber (\(bufferBytes) B buffers)", fibers: count,
            residentBytesPerFiber: Double(after - before) / Double(max(count, 1)),
            allocatedBytesPerFiber: Double(bufferBytes + MemoryLayout<FiberRecord>.stride))
    }
}
