import Asyncify
import TBCodegen
import WasmBinary
import WasmInterpreter

extension TBRuntime {
    /// `call_wasm_tb`: enters (or re-enters) the TB's Wasm instance.
    ///
    /// Normal entry: the registers the TB mentions into the globals, `do_init = 1`, `start(ctx)`.
    /// Rewind: per-fiber mode writes the fiber's saved registers and
    /// `BLOCK_IDX` back first; instance-globals mode writes nothing. In both,
    /// `do_init` stays 0 so the TB resumes at its saved block.
    func callWasmTB(
        _ cx: FiberContext, cpu: TBCPU, pc: UInt64, entry: TBCacheEntry, rewinding: Bool,
        state: inout SuspendedTBState
    ) throws -> UInt64 {
        let wasm = try instance(for: entry)
        let block = tbMemory.base + Int(cpu.base)
        if rewinding {
            switch configuration.mode {
            case .perFiber: wasm.write(registers: state.registers, blockIndex: state.resumePoint)
            case .instanceGlobals: wasm.suspended -= 1
            }
        } else {
            wasm.copyRegisters(from: block + Int(TBRuntimeConfiguration.registerFileOffset))
            (block + Int(TBRuntimeConfiguration.contextOffset)).storeBytes(
                of: 1, toByteOffset: Int(TBContextLayout.doInitOffset), as: UInt32.self)
        }
        let result = try runInstance(wasm, cx, cpu: cpu, pc: pc, entry: entry)
        if cx.isUnwinding {
            saveSuspension(of: wasm, into: &state)
            return 0
        }
        wasm.copyRegisters(to: block + Int(TBRuntimeConfiguration.registerFileOffset))
        return result
    }

    /// What a suspension inside `wasm` keeps (per the mode): engine 1 and, per
    /// fiber, the registers and block index from the instance's globals.
    @inline(__always)
    func saveSuspension(of wasm: TBWasmInstance, into state: inout SuspendedTBState) {
        state.engine = 1
        switch configuration.mode {
        case .perFiber:
            state.registers = wasm.readRegisters()
            state.resumePoint = wasm.blockIndex
        case .instanceGlobals:
            wasm.suspended += 1
        }
    }

    /// `start(ctx)` of `wasm` with its helpers serving this call: the TB's result.
    @inline(__always)
    func runInstance(_ wasm: TBWasmInstance, _ cx: FiberContext, cpu: TBCPU, pc: UInt64, entry: TBCacheEntry)
        throws -> UInt64
    {
        let saved = currentCall
        let savedEntry = currentEntry
        currentCall = TBHelperCall(fibers: cx, cpu: cpu, pc: pc, memory: tbMemory)
        currentEntry = entry
        // Each run (or resumed run) gets a fresh budget, as the IR engine's
        // step limit counts per run; the store is shared, so a TB run by a
        // helper leaves the calling TB's remaining budget as it was.
        let fuel = configuration.wasmFuelPerTB
        let savedFuel = fuel == nil ? nil : wasm.store.fuel
        if let fuel { wasm.store.fuel = fuel }
        defer {
            currentCall = saved
            currentEntry = savedEntry
            if fuel != nil { wasm.store.fuel = savedFuel }
        }
        return try run(wasm, cpu: cpu, pc: pc)
    }

    /// `start(ctx)` of `wasm`, with a Wasm error as a ``TBRuntimeError`` (a fiber error passes).
    @inline(__always)
    func run(_ wasm: TBWasmInstance, cpu: TBCPU, pc: UInt64) throws -> UInt64 {
        do {
            return try wasm.run(context: cpu.context)
        } catch let error as FiberError {
            throw error
        } catch {
            throw TBRuntimeError(.wasm(pc: pc, reason: "\(error)"))
        }
    }

    /// The live instance of `entry`, emitting and instantiating it if needed
    /// (evicting the least recently used instance past the cap).
    func instance(for entry: TBCacheEntry) throws -> TBWasmInstance {
        if let wasm = entry.instance { return wasm }
        if live.count >= max(configuration.instanceCap, 1) { evictOne() }
        let wasm = try compile(entry)
        entry.instance = wasm
        // The TB runs as Wasm from now on: its IR program is dead weight.
        entry.program = nil
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

    /// Emits, validates, instantiates and compiles `entry`'s TB with its
    /// imports wired, keeping only what runs it (the instance lives on, so
    /// the decoded module would be most of its memory).
    func compile(_ entry: TBCacheEntry) throws -> TBWasmInstance {
        let tb = entry.tb
        let module = TBEmitter.module(
            for: tb, addressing: configuration.addressing, layout: configuration.layout)
        if configuration.validatesEmittedModules {
            do {
                try module.validate()
            } catch {
                throw TBRuntimeError(.compileFailed(pc: tb.pc, reason: "\(error)"))
            }
        }
        let wasm = try instantiate(module, for: entry)
        do {
            try wasm.instance.compact()
        } catch {
            throw TBRuntimeError(.compileFailed(pc: tb.pc, reason: "\(error)"))
        }
        return wasm
    }

    /// Emits, (if configured) validates, instantiates and compiles `tb`
    /// exactly as the runtime compiles a TB (to machine code on the native
    /// engine, then compacted), outside its cache and with every helper a stub
    /// that returns 0: for timing the whole compile path (`asyncify tb bench`).
    package func compileUncached(_ tb: TranslationBlock) throws -> AnyObject {
        let entry = TBCacheEntry(id: 0, tb: tb)
        entry.helpers = tb.helpers.map { _ in { _, _ in 0 } }
        entry.helpersResolved = true
        return try compile(entry)
    }

    /// The configuration of the store the TB instances share: the TB
    /// function calls only imports, so a small value stack and call depth
    /// suffice for helpers that run TBs of their own, nested a few hundred
    /// deep. Fuel metering is on when ``TBRuntimeConfiguration/wasmFuelPerTB``
    /// is set; the engine is ``TBRuntimeConfiguration/engine``.
    var instanceStoreConfiguration: Store.Configuration {
        Store.Configuration(
            maximumCallDepth: 1024, valueStackSlots: 32768, maximumMemoryPages: 0, maximumTableElements: 0,
            maximumHostReentry: 256, fuelMetering: configuration.wasmFuelPerTB != nil,
            engine: configuration.engine)
    }

    /// The store new TB instances go into: one for all of them while the
    /// configuration keeps asking for the same kind of store (instances made
    /// before a change keep theirs alive until they are dropped).
    func currentInstanceStore() -> TBInstanceStore {
        let wanted = instanceStoreConfiguration
        if let existing = instanceStore, existing.matches(wanted) { return existing }
        let fresh = TBInstanceStore(configuration: wanted, runtime: self)
        instanceStore = fresh
        return fresh
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

    /// Instantiates an emitted (and validated) TB module for `entry` in the
    /// shared instance store, with its imports wired (see ``TBWasmInstance``).
    func instantiate(_ module: Module, for entry: TBCacheEntry) throws -> TBWasmInstance {
        let tb = entry.tb
        let shared = currentInstanceStore()
        // In the order of the emitted module's imports (env.memory, helper.u,
        // helper.0...): no lookup by name per instantiation.
        var imports: [ExternalValue] = [.memory(memory), .function(shared.unwindCheck)]
        imports.reserveCapacity(2 + tb.helpers.count)
        for (i, signature) in tb.helpers.enumerated() {
            imports.append(.function(shared.helper(i, signature)))
        }
        let instance: Instance
        do {
            // A failed instantiation leaves nothing in the shared store.
            instance = try Instance(module: module, store: shared.store, importValues: imports)
        } catch {
            throw TBRuntimeError(.compileFailed(pc: tb.pc, reason: "\(error)"))
        }
        do {
            let start = try instance.exportedFunction(TBEmitter.exportName)
            return try TBWasmInstance(
                store: shared.store, instance: instance, start: start, pc: tb.pc,
                registerMask: entry.registerMask, counter: instanceCounter)
        } catch {
            // No TBWasmInstance owns the instance yet (its deinit would release it).
            shared.store.release(instance)
            if let error = error as? TBRuntimeError { throw error }
            throw TBRuntimeError(.compileFailed(pc: tb.pc, reason: "\(error)"))
        }
    }
}
