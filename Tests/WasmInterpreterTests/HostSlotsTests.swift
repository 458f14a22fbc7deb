import Testing
import WasmBinary

@testable import WasmInterpreter

/// The readers and writers of `HostSlots`, as its documentation shows them:
/// read every argument first, then write results over them.
@Suite struct HostSlotsTests {
    @Test func theDocumentedExampleReadsEachTypeAndWritesTheResult() throws {
        let store = Store()
        let type = FunctionType(parameters: [.i32, .i64, .f64], results: [.i64])
        let sum = Function(store: store, type: type) { _, slots in
            let (a, b, c) = (slots.i32(0), slots.i64(1), slots.f64(2))
            slots.setI64(0, UInt64(a) &+ b &+ UInt64(c))
        }
        #expect(try sum.call([.i32(40), .i64(1_000_000_000_000), Value(2.75)]) == [.i64(1_000_000_000_042)])
    }

    @Test func signedAndFloatValuesAreBitPatterns() throws {
        let store = Store()
        let type = FunctionType(parameters: [.i32, .f32], results: [.i32, .f32])
        let negate = Function(store: store, type: type) { _, slots in
            let (a, x) = (Int32(bitPattern: slots.i32(0)), slots.f32(1))
            slots.setI32(0, UInt32(bitPattern: -a))
            slots.setF32(1, -x)
        }
        #expect(
            try negate.call([.i32(UInt32(bitPattern: -5)), Value(Float(1.5))]) == [
                .i32(5), Value(Float(-1.5)),
            ])
    }
}
