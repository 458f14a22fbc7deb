// The builder API (CodeBuilder, Module.add...) and the encoder against wabt:
// a TB-shaped module built in Swift must be byte-identical to what wat2wasm
// assembles from the equivalent text, and wasm-validate must accept it.

import Foundation
import TestSupport
import Testing
import WasmBinary

@Suite struct ModuleBuilderTests {
    /// The same module as `tbModule()`, in the text format.
    static let wat = """
        (module
          (type (func (param i64) (result i64)))
          (type (func (result i32)))
          (type (func (param i64 i64) (result i64)))
          (import "env" "memory" (memory i64 0 262144 shared))
          (import "helper" "u" (func (type 1)))
          (import "helper" "0" (func (type 2)))
          (global (mut i64) (i64.const 0))
          (global (mut i64) (i64.const -1))
          (export "start" (func 2))
          (func (type 0) (param i64) (result i64) (local i64 i64 i32)
            local.get 0
            i64.load offset=16
            i32.wrap_i64
            if
              i64.const 0
              global.set 1
            end
            loop
              global.get 1
              i64.eqz
              if
                global.get 0
                i64.const -123456
                i64.add
                global.set 0
                local.get 0
                i64.const 624485
                call 1
                local.set 1
                call 0
                i32.eqz
                if
                  i64.const 0
                  return
                end
                local.get 0
                local.get 1
                i64.store offset=8
                i64.const 1
                global.set 1
                br 1
              end
              global.get 1
              i64.const 1
              i64.le_u
              if
                local.get 0
                i64.const 1
                i64.atomic.rmw.add offset=24
                local.set 2
                f64.const 0x1.8p+1
                i64.trunc_sat_f64_s
                local.get 2
                i64.add
                local.set 2
              else
                local.get 0
                i32.load8_u offset=1
                local.set 3
              end
            end
            atomic.fence
            local.get 2))
        """

    static func tbModule() -> Module {
        var module = Module()
        let tbType = FunctionType(parameters: [.i64], results: [.i64])
        #expect(module.addType(tbType) == 0)
        #expect(module.addType(FunctionType(results: [.i32])) == 1)
        #expect(module.addType(tbType) == 0, "types are deduplicated")
        let memory = Limits(min: 0, max: 262_144, isShared: true, is64: true)
        #expect(memory.flags == 0x07)
        #expect(module.addImport(module: "env", name: "memory", .memory(memory)) == 0)
        let unwinding = module.addImportedFunction(
            module: "helper", name: "u", type: FunctionType(results: [.i32]))
        let helper = module.addImportedFunction(
            module: "helper", name: "0", type: FunctionType(parameters: [.i64, .i64], results: [.i64]))
        #expect((unwinding, helper) == (0, 1))
        let register = module.addGlobal(
            GlobalType(valueType: .i64, isMutable: true), initializer: [.i64Const(0), .end])
        let blockIndex = module.addGlobal(
            GlobalType(valueType: .i64, isMutable: true), initializer: [.i64Const(-1), .end])

        var code = CodeBuilder(parameters: [.i64])
        let result = code.addLocal(.i64)
        let sum = code.addLocal(.i64)
        let byte = code.addLocal(.i32)
        #expect((result, sum, byte) == (1, 2, 3))
        code.emit(.localGet(0))
        code.emit(.i64Load, offset: 16)
        code.emit(.i32WrapI64)
        code.if(then: { c in
            c.emit(.i64Const(0))
            c.emit(.globalSet(blockIndex))
        })
        code.loop { c in
            c.emit(.globalGet(blockIndex))
            c.emit(.i64Eqz)
            c.if(then: { c in
                c.emit(.globalGet(register))
                c.emit(.i64Const(-123_456))
                c.emit(.i64Add)
                c.emit(.globalSet(register))
                c.emit(.localGet(0))
                c.emit(.i64Const(624_485))
                c.emit(.call(functionIndex: helper))
                c.emit(.localSet(result))
                c.emit(.call(functionIndex: unwinding))
                c.emit(.i32Eqz)
                c.if(then: { c in
                    c.emit(.i64Const(0))
                    c.emit(.return)
                })
                c.emit(.localGet(0))
                c.emit(.localGet(result))
                c.emit(.i64Store, offset: 8)
                c.emit(.i64Const(1))
                c.emit(.globalSet(blockIndex))
                c.emit(.br(depth: 1))
            })
            c.emit(.globalGet(blockIndex))
            c.emit(.i64Const(1))
            c.emit(.i64LeU)
            c.if(
                then: { c in
                    c.emit(.localGet(0))
                    c.emit(.i64Const(1))
                    c.emit(.i64AtomicRmwAdd, offset: 24)
                    c.emit(.localSet(sum))
                    c.emit(.f64Const(bits: 3.0.bitPattern))
                    c.emit(.i64TruncSatF64S)
                    c.emit(.localGet(sum))
                    c.emit(.i64Add)
                    c.emit(.localSet(sum))
                },
                else: { c in
                    c.emit(.localGet(0))
                    c.emit(.i32Load8U, offset: 1)
                    c.emit(.localSet(byte))
                })
        }
        code.emit(.atomicFence)
        code.emit(.localGet(sum))
        let body = code.finish()
        #expect(body.locals == [LocalGroup(count: 2, type: .i64), LocalGroup(count: 1, type: .i32)])
        let start = module.addFunction(type: tbType, body: body)
        #expect(start == 2)
        module.addExport("start", .function(start))
        return module
    }

    @Test func builtModuleMatchesWat2wasmByteForByte() throws {
        guard let wat2wasm = ExternalTool.findOrSkip("wat2wasm") else { return }
        let dir = try ExternalTool.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let watFile = dir.appendingPathComponent("tb.wat")
        let wasmFile = dir.appendingPathComponent("tb.wasm")
        try Self.wat.write(to: watFile, atomically: true, encoding: .utf8)
        let toolRun = try ExternalTool.run(
            wat2wasm, ["--enable-threads", "--enable-memory64", watFile.path, "-o", wasmFile.path])
        let (status, output) = (toolRun.status, toolRun.text)
        #expect(status == 0, "\(output)")
        let reference = [UInt8](try Data(contentsOf: wasmFile))
        let module = Self.tbModule()
        #expect(module.encoded() == reference)
        #expect(try Module(decoding: reference) == module)
    }

    @Test func builtModulePassesWasmValidate() throws {
        guard let validate = ExternalTool.findOrSkip("wasm-validate") else { return }
        let dir = try ExternalTool.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("tb.wasm")
        try Data(Self.tbModule().encoded()).write(to: file)
        let toolRun = try ExternalTool.run(
            validate, ["--enable-threads", "--enable-memory64", file.path])
        let (status, output) = (toolRun.status, toolRun.text)
        #expect(status == 0, "\(output)")
    }

    @Test func decodingTheEncodingGivesTheBuiltModuleBack() throws {
        let module = Self.tbModule()
        #expect(try Module(decoding: module.encoded()) == module)
    }

    @Test func everyInstructionRoundTrips() throws {
        let memArg = MemArg(align: 2, offset: 0xFFFF_FFFF)
        var all: [Instruction] = [
            .unreachable, .nop, .block(.empty), .loop(.value(.f32)), .if(.typeIndex(0)), .else, .end,
            .br(depth: 3), .brIf(depth: 0), .brTable(targets: [0, 1, 200], defaultTarget: 7), .return,
            .call(functionIndex: 300), .callIndirect(typeIndex: 1, tableIndex: 2), .drop, .select,
            .selectTyped([.externref]), .localGet(1), .localSet(2), .localTee(3), .globalGet(4),
            .globalSet(5),
            .tableGet(1), .tableSet(2), .tableInit(elementIndex: 3, tableIndex: 4), .elemDrop(5),
            .tableCopy(destination: 6, source: 7), .tableGrow(8), .tableSize(9), .tableFill(10),
            .memorySize(0), .memoryGrow(0), .memoryInit(dataIndex: 1, memoryIndex: 0), .dataDrop(1),
            .memoryCopy(destination: 0, source: 0), .memoryFill(0), .i32Const(.min), .i64Const(.max),
            .f32Const(bits: 0x7FC0_0001), .f64Const(bits: 0xFFF8_0000_0000_0001), .refNull(.externref),
            .refIsNull, .refFunc(9), .atomicNotify(memArg), .atomicWait32(memArg), .atomicWait64(memArg),
            .atomicFence,
        ]
        all += LoadOp.allCases.map { .load($0, memArg) } + StoreOp.allCases.map { .store($0, memArg) }
        all += NumericOp.allCases.map { .numeric($0) } + AtomicOp.allCases.map { .atomic($0, memArg) }
        all += [.end, .end, .end]  // close the loop, the block (the if closed above) and the body
        var module = Module()
        _ = module.addType(FunctionType())
        module.dataCount = 2
        module.data = [DataSegment(mode: .passive, bytes: [1]), DataSegment(mode: .passive, bytes: [])]
        _ = module.addFunction(type: FunctionType(), body: FunctionBody(body: all))
        let decoded = try Module(decoding: module.encoded())
        #expect(decoded.codes[0].body == all)
        #expect(decoded == module)
    }
}
