import TestSupport
import Testing
import WasmBinary

@testable import WasmInterpreter

/// The atomic accesses compiled inline, on both engines, against the threads
/// proposal's rules: a narrow read-modify-write wraps to its width and leaves
/// the bytes beside it alone, a narrow compare-exchange compares the expected
/// value wrapped to its width, and an access is bounds-checked before it is
/// alignment-checked.
@Suite struct AtomicTests {
    @Test(arguments: [Store.Engine.interpreter, .native])
    func atomicAccessesFollowTheThreadsRules(engine: Store.Engine) throws {
        if nativeSkipped(engine) { return }
        func arg(_ log2: UInt32) -> MemArg { MemArg(align: log2, offset: 0) }
        let i32 = ValueType.i32
        let i64 = ValueType.i64
        let module = makeModule(
            [
                (
                    "store64", FunctionType(parameters: [i32, i64]), [],
                    [.localGet(0), .localGet(1), .store(.i64Store, arg(3))]
                ),
                (
                    "load8", FunctionType(parameters: [i32], results: [i32]), [],
                    [.localGet(0), .load(.i32Load8U, arg(0))]
                ),
                (
                    "load64", FunctionType(parameters: [i32], results: [i64]), [],
                    [.localGet(0), .load(.i64Load, arg(3))]
                ),
                (
                    "sub8", FunctionType(parameters: [i32], results: [i32]), [],
                    [.localGet(0), .i32Const(0x107), .atomic(.i32AtomicRmw8SubU, arg(0))]
                ),
                (
                    "cmpxchg32", FunctionType(parameters: [i32, i64, i64], results: [i64]), [],
                    [.localGet(0), .localGet(1), .localGet(2), .atomic(.i64AtomicRmw32CmpxchgU, arg(2))]
                ),
                (
                    "add16", FunctionType(parameters: [i32, i32], results: [i32]), [],
                    [.localGet(0), .localGet(1), .atomic(.i32AtomicRmw16AddU, arg(1))]
                ),
                (
                    "xchg64", FunctionType(parameters: [i32, i64], results: [i64]), [],
                    [.localGet(0), .localGet(1), .atomic(.i64AtomicRmwXchg, arg(3))]
                ),
                (
                    "load32", FunctionType(parameters: [i32], results: [i32]), [],
                    [.localGet(0), .atomic(.i32AtomicLoad, arg(2))]
                ),
            ], memory: MemoryType(min: 1, max: 1))
        let instance = try Instance(module: module, store: Store(configuration: .init(engine: engine)))
        func call(_ name: String, _ arguments: Value...) throws -> [Value] {
            try instance.exportedFunction(name).call(arguments)
        }
        // rmw8.sub_u: (5 - 0x07) mod 2^8, the old byte back, the next byte untouched.
        _ = try call("store64", .i32(0), .i64(0x0909_0909_0909_0905))
        #expect(try call("sub8", .i32(0)) == [.i32(5)], "\(engine)")
        #expect(try call("load64", .i32(0)) == [.i64(0x0909_0909_0909_09FE)], "\(engine)")
        // rmw32.cmpxchg_u: the expected value's upper half is ignored, the replacement is wrapped.
        _ = try call("store64", .i32(8), .i64(0x1111_1111_AABB_CCDD))
        #expect(
            try call("cmpxchg32", .i32(8), .i64(0x1_AABB_CCDD), .i64(0x2_1122_3344)) == [.i64(0xAABB_CCDD)])
        #expect(try call("load64", .i32(8)) == [.i64(0x1111_1111_1122_3344)], "\(engine)")
        #expect(try call("cmpxchg32", .i32(8), .i64(0xAABB_CCDD), .i64(0)) == [.i64(0x1122_3344)])
        #expect(try call("load64", .i32(8)) == [.i64(0x1111_1111_1122_3344)], "\(engine)")
        // rmw16.add_u wraps at 16 bits.
        _ = try call("store64", .i32(16), .i64(0xFFFF_FFFF_0000_FFFF))
        #expect(try call("add16", .i32(16), .i32(2)) == [.i32(0xFFFF)], "\(engine)")
        #expect(try call("load64", .i32(16)) == [.i64(0xFFFF_FFFF_0000_0001)], "\(engine)")
        #expect(try call("xchg64", .i32(24), .i64(7)) == [.i64(0)], "\(engine)")
        #expect(try call("xchg64", .i32(24), .i64(9)) == [.i64(7)], "\(engine)")
        // Bounds before alignment.
        #expect(throws: Trap(.unalignedAtomic)) { try call("load32", .i32(2)) }
        #expect(throws: Trap(.unalignedAtomic)) { try call("xchg64", .i32(4), .i64(0)) }
        #expect(try call("sub8", .i32(65535)) == [.i32(0)], "\(engine)")
        #expect(throws: Trap(.outOfBoundsMemoryAccess)) { try call("load32", .i32(65534)) }
        #expect(throws: Trap(.outOfBoundsMemoryAccess)) { try call("load32", .i32(0xFFFF_FFFF)) }
        #expect(throws: Trap(.outOfBoundsMemoryAccess)) { try call("xchg64", .i32(65536), .i64(1)) }
        // The byte at 65535 is (0 - 7) mod 2^8 now, the top byte of the little-endian word.
        #expect(try call("load32", .i32(65532)) == [.i32(0xF900_0000)], "\(engine)")
    }
}
