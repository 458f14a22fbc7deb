// Zero bytes dropped from data segments (Binaryen's memory packing), only
// where the memory a module starts with cannot change.

import AsyncifyTransform
import Testing
import WasmBinary

@Suite struct DataPackingTests {
    private func segment(_ offset: Int32, _ bytes: [UInt8]) -> DataSegment {
        DataSegment(mode: .active(memoryIndex: 0, offset: [.i32Const(offset), .end]), bytes: bytes)
    }

    private func instrumented(_ module: Module) throws -> [DataSegment] {
        try AsyncifyTransform.instrument(module, options: .init(asyncImports: ["env.yield_value"])).data
    }

    /// Each packed segment as (offset, bytes).
    private func placed(_ segments: [DataSegment]) -> [(Int32, [UInt8])] {
        segments.map { segment in
            guard case .active(0, let expression) = segment.mode, case .i32Const(let k) = expression[0] else {
                return (-1, segment.bytes)
            }
            return (k, segment.bytes)
        }
    }

    @Test func leadingTrailingAndLongZeroRunsAreDropped() throws {
        var module = yieldModule()
        // 2 leading zeros, a run of 9 zeros (split), a run of 8 (kept), 3 trailing zeros.
        let bytes: [UInt8] =
            [0, 0, 1, 2] + [UInt8](repeating: 0, count: 9) + [3] + [UInt8](repeating: 0, count: 8)
            + [4, 0, 0, 0]
        module.data = [segment(100, bytes), segment(200, [0, 0, 0])]
        let packed = placed(try instrumented(module))
        #expect(packed.count == 2)
        #expect(packed.first?.0 == 102)
        #expect(packed.first?.1 == [1, 2])
        #expect(packed.last?.0 == 113)
        #expect(packed.last?.1 == [3] + [UInt8](repeating: 0, count: 8) + [4])
    }

    @Test func overlappingSegmentsStayAsTheyAre() throws {
        var module = yieldModule()
        // The second segment's zeros overwrite the first one's bytes: they must stay.
        module.data = [segment(100, [1, 1, 1, 1]), segment(98, [0, 0, 0, 0, 0, 0])]
        #expect(try instrumented(module) == module.data)
    }

    @Test func importedMemoryAndSegmentsPastTheInitialSizeStayAsTheyAre() throws {
        var module = yieldModule()
        module.data = [segment(65534, [0, 0, 7, 0])]  // ends past the first (only) page
        #expect(try instrumented(module) == module.data)

        var imported = Module()
        imported.imports.append(Import(module: "env", name: "memory", descriptor: .memory(Limits(min: 1))))
        let yieldValue = imported.addImportedFunction(
            module: "env", name: "yield_value", type: FunctionType(parameters: [.i32], results: [.i32]))
        let run = imported.addFunction(
            type: FunctionType(parameters: [.i32], results: [.i32]),
            body: FunctionBody(body: [.localGet(0), .call(functionIndex: yieldValue), .end]))
        imported.addExport("run", .function(run))
        imported.data = [segment(16, [0, 0, 5, 0, 0])]
        #expect(try instrumented(imported) == imported.data)
    }

    @Test func packingCanBeTurnedOff() throws {
        var module = yieldModule()
        module.data = [segment(100, [0, 0, 1, 0])]
        var options = AsyncifyTransform.Options(asyncImports: ["env.yield_value"])
        options.packsData = false
        #expect(try AsyncifyTransform.instrument(module, options: options).data == module.data)
    }
}
