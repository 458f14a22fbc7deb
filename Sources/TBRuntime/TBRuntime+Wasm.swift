import Asyncify
import TBCodegen
import WasmBinary
import WasmInterpreter

extension TBRuntime {
    /// `call_wasm_tb`: enters (or re-enters) the TB's Wasm instance.
    ///
    /// Normal entry: registers into the globals, `do_init = 1`, `start(ctx)`.
    /// Rewind: per-fiber mode writes the fiber's saved registers and
    /// `BLOCK_IDX` back first; instance-globals mode writes nothing. In both,
    /// `do_init` stays 0 so the TB resumes at its saved block.
    func callWasmTB(
        _ cx: FiberContext, cpu: TBCPU, entry: TBCacheEntry, rewinding: Bool, state: inout SuspendedTBState
    ) throws -> UInt64 {
        let wasm = try instance(for: entry)
        if rewinding {
            switch configuration.mode {
            case .perFiber: wasm.write(registers: state.registers, blockIndex: state.resumePoint)
            case .instanceGlobals: wasm.suspended -= 1
            }
        } else {
            wasm.write(registers: loadRegisters(cpu), blockIndex: nil)
            try? tbMemory.store(.u32, 1, at: cpu.context, offset: TBContextLayout.doInitOffset)
        }
        let saved = currentCall
        currentCall = TBHelperCall(fibers: cx, cpu: cpu, pc: entry.tb.pc, memory: tbMemory)
        defer { currentCall = saved }
        let result: UInt64
        // Each run (or resumed run) gets a fresh budget, as the IR engine's
        // step limit counts per run.
        if let fuel = configuration.wasmFuelPerTB { wasm.store.fuel = fuel }
        do {
            result = try wasm.run(context: cpu.context)
        } catch let error as FiberError {
            throw error
        } catch {
            throw TBRuntimeError(.wasm(pc: entry.tb.pc, reason: "\(error)"))
        }
        if cx.isUnwinding {
            state.engine = 1
            switch configuration.mode {
            case .perFiber:
                state.registers = wasm.readRegisters()
                state.resumePoint = wasm.blockIndex
            case .instanceGlobals:
                wasm.suspended += 1
            }
            return 0
        }
        storeRegisters(wasm.readRegisters(), cpu)
        return result
    }

    /// The live instance of `entry`, emitting and instantiating it if needed
    /// (evicting the least recently used instance past the cap).
    func instance(for entry: TBCacheEntry) throws -> TBWasmInstance {
        if let wasm = entry.instance { return wasm }
        if live.count >= max(configuration.instanceCap, 1) { evictOne() }
        let wasm = try compile(entry)
        entry.instance = wasm
        live.append(entry)
        statistics.compilations += 1
        return wasm
    }

    /// Drops the least recently used instance that no fiber depends on.
    func evictOne() {
        var victim: TBCacheEntry?
        for e in live where e.instance.map({ $0.suspended == 0 }) ?? false {
            if victim == nil || e.lastUse < victim!.lastUse { victim = e }
        }
        if let victim {
            dropInstance(of: victim)
            statistics.evictions += 1
        }
    }

    func dropInstance(of entry: TBCacheEntry) {
        guard entry.instance != nil else { return }
        entry.instance = nil
        live.removeAll { $0 === entry }
    }

    /// Emits, validates and instantiates `entry`'s TB with its imports wired.
    func compile(_ entry: TBCacheEntry) throws -> TBWasmInstance {
        let tb = entry.tb
        let module = TBEmitter.module(for: tb, addressing: configuration.addressing)
        if configuration.validatesEmittedModules {
            do {
                try module.validate()
            } catch {
                throw TBRuntimeError(.compileFailed(pc: tb.pc, reason: "\(error)"))
            }
        }
        return try instantiate(module, for: entry)
    }

    /// Emits, (if configured) validates and instantiates `tb` exactly as the
    /// runtime compiles a TB, outside its cache and with every helper a stub
    /// that returns 0: for timing the whole compile path (`asyncify tb bench`).
    package func compileUncached(_ tb: TranslationBlock) throws -> AnyObject {
        let entry = TBCacheEntry(id: 0, tb: tb)
        entry.helpers = tb.helpers.map { _ in { _, _ in 0 } }
        entry.helpersResolved = true
        return try compile(entry)
    }

    /// The configuration of each TB instance's own store: the TB function
    /// calls only imports, so a small value stack and call depth suffice (the
    /// re-entry limit still allows helpers that run TBs of their own). Fuel
    /// metering is on when ``TBRuntimeConfiguration/wasmFuelPerTB`` is set;
    /// the engine is ``TBRuntimeConfiguration/engine``.
    var instanceStoreConfiguration: Store.Configuration {
        Store.Configuration(
            maximumCallDepth: 256, valueStackSlots: 8192, maximumMemoryPages: 0, maximumTableElements: 0,
            maximumHostReentry: 256, fuelMetering: configuration.wasmFuelPerTB != nil,
            engine: configuration.engine)
    }

    /// Instantiates `module`, emitted for `tb`, exactly as the runtime would
    /// but outside its cache, with every helper a stub that returns 0: for
    /// timing instantiation (switch-bench, `asyncify tb bench`). The instance
    /// and its store live as long as the returned object.
    package func instantiateUncached(_ module: Module, for tb: TranslationBlock) throws -> AnyObject {
        let entry = TBCacheEntry(id: 0, tb: tb)
        entry.helpers = tb.helpers.map { _ in { _, _ in 0 } }
        entry.helpersResolved = true
        return try instantiate(module, for: entry)
    }

    /// Instantiates an emitted (and validated) TB module for `entry` in a new
    /// store of its own, with its imports wired (see ``TBWasmInstance``).
    func instantiate(_ module: Module, for entry: TBCacheEntry) throws -> TBWasmInstance {
        let tb = entry.tb
        let store = Store(configuration: instanceStoreConfiguration)
        var imports = Imports()
        imports.define(module: "env", name: "memory", .memory(memory))
        unowned(unsafe) let runtime = self
        imports.define(
            module: TBEmitter.helperModule, name: TBEmitter.unwindCheckName,
            .function(
                Function(store: store, type: FunctionType(parameters: [], results: [.i32])) { _, slots in
                    let unwinding = runtime.currentCall?.fibers.isUnwinding ?? false
                    slots.setI32(0, unwinding ? 0 : 1)
                }))
        unowned(unsafe) let owner = entry
        for (i, signature) in tb.helpers.enumerated() {
            let argc = signature.argumentCount
            let hasResult = signature.hasResult
            let type = FunctionType(
                parameters: Array(repeating: .i64, count: argc), results: hasResult ? [.i64] : [])
            let function = Function(store: store, type: type) { _, slots in
                guard let call = runtime.currentCall else {
                    throw TBRuntimeError(.badConfiguration("a TB helper was called outside call_wasm_tb"))
                }
                var args = TBHelperArguments([])
                args.count = argc
                for k in 0..<argc { args[k] = slots.i64(k) }
                let r = try owner.helpers[i](call, args)
                if hasResult { slots.setI64(0, r) }
            }
            imports.define(module: TBEmitter.helperModule, name: "\(i)", .function(function))
        }
        do {
            let instance = try Instance(module: module, store: store, imports: imports)
            let start = try instance.exportedFunction(TBEmitter.exportName)
            return try TBWasmInstance(
                store: store, instance: instance, start: start, pc: tb.pc, counter: instanceCounter)
        } catch let error as TBRuntimeError {
            throw error
        } catch {
            throw TBRuntimeError(.compileFailed(pc: tb.pc, reason: "\(error)"))
        }
    }
}
