import TestSupport
import Testing
import WasmBinary

@testable import WasmInterpreter

/// memory.copy and memory.fill (inline on the native tier) on both engines
/// against a Swift model of the spec's rules: copy as if through a temporary
/// buffer (overlap either way), fill with the value's low byte, and trap,
/// writing nothing, when either range leaves the memory, even with n = 0.
@Suite struct BulkMemoryTests {
    @Test(arguments: [Store.Engine.interpreter, .native])
    func copyAndFillFollowTheSpec(engine: Store.Engine) throws {
        if nativeSkipped(engine) { return }
        let three = FunctionType(parameters: [.i32, .i32, .i32])
        let module = makeModule(
            [
                (
                    "copy", three, [],
                    [.localGet(0), .localGet(1), .localGet(2), .memoryCopy(destination: 0, source: 0)]
                ),
                ("fill", three, [], [.localGet(0), .localGet(1), .localGet(2), .memoryFill(0)]),
            ], memory: MemoryType(min: 1, max: 1))
        let instance = try Instance(module: module, store: Store(configuration: .init(engine: engine)))
        let memory = try instance.exportedMemory()
        let size = 65536
        var model = [UInt8](repeating: 0, count: size)
        func run(_ name: String, _ x: UInt32, _ y: UInt32, _ n: UInt32) throws {
            _ = try instance.exportedFunction(name).call([.i32(x), .i32(y), .i32(n)])
        }
        func contents() throws -> [UInt8] { try memory.read(at: 0, count: size) }
        // A pattern to copy around: bytes 0...299 are k * 7 + 1.
        for k in 0..<300 {
            try run("fill", UInt32(k), UInt32(k * 7 + 1) | 0xAB00, 1)
            model[k] = UInt8(truncatingIfNeeded: k * 7 + 1)
        }
        #expect(try contents() == model, "\(engine)")
        for (d, s, n) in [
            (10, 0, 200), (0, 10, 200), (100, 100, 50), (65000, 5, 300), (65436, 0, 100), (3, 4, 0),
        ] {
            try run("copy", UInt32(d), UInt32(s), UInt32(n))
            let source = Array(model[s..<(s + n)])
            model.replaceSubrange(d..<(d + n), with: source)
            #expect(try contents() == model, "\(engine): copy \(d) \(s) \(n)")
        }
        try run("fill", 65530, 0x1FF, 6)
        model.replaceSubrange(65530..<65536, with: [UInt8](repeating: 0xFF, count: 6))
        #expect(try contents() == model, "\(engine)")
        // Out of bounds: a trap and no write.
        for (name, x, y, n): (String, UInt32, UInt32, UInt32) in [
            ("copy", 65535, 0, 2), ("copy", 0, 65535, 2), ("copy", 65537, 0, 0), ("copy", 0, 65537, 0),
            ("fill", 65535, 9, 2), ("fill", 65537, 9, 0), ("fill", 0, 9, 0xFFFF_FFFF),
            ("copy", 10, 0, 0xFFFF_FFF0),
        ] {
            #expect(throws: Trap(.outOfBoundsMemoryAccess), "\(engine): \(name) \(x) \(y) \(n)") {
                try run(name, x, y, n)
            }
        }
        #expect(try contents() == model, "\(engine)")
        // At the end with n = 0 is in bounds.
        try run("copy", 65536, 65536, 0)
        try run("fill", 65536, 1, 0)
        #expect(try contents() == model, "\(engine)")
    }
}
