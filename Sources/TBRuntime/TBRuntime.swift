// The TB runtime: a cache of translation blocks keyed by guest pc, run on the
// IR interpreter until they are hot and then as Wasm on our interpreter, with
// helpers written in Swift that may swap fibers (docs/TBModules.md).
//
// Memory. One shared linear memory (`env.memory`, 64-bit or 32-bit variant)
// holds everything: CPU blocks from 0x1000 (each: context record, register
// file, env, software TLB; see TBRuntimeConfiguration) and guest RAM after
// them. Every Wasm instance imports it and the IR interpreter reads it
// through a TBMemory view, so both engines work on the same bytes.
//
// Instances. The TBs' Wasm instances share one store (TBInstanceStore: one
// value stack, native engine and code arena, and host functions that call the
// running TB's helpers) and import the shared memory; an instance is compiled
// and compacted when it is made, and the store releases it when the runtime
// drops it (eviction, or the TB being replaced), which frees its code and
// globals. The runtime reaches the 17 globals through raw storage cells
// resolved once per instance (the emitted module exports only `start`).
//
// Registers. A CPU's 16 registers live in its register file in memory.
// `call_wasm_tb` copies the ones the TB mentions into the instance's globals
// before a normal entry and back after the TB returns (the TB function touches
// no other register global); the IR path loads them all and stores back the
// ones the TB mentions. So a TB sees the same registers on either engine, and
// neither writes a register the TB does not mention (a helper may set one).
//
// Dispatch. The cpu loop finds the TB for a pc in a direct-mapped jump cache
// (TBJumpCache, QEMU's tb_jmp_cache) before the dictionary, and a normal
// entry into a TB that already runs as Wasm takes a short path
// (`runCompiledTB`) that does exactly what the general one does for that case.
//
// Suspension (the Asyncify protocol, FiberContext/AsyncifyFrame). Three
// participating frames: `execute` (the cpu loop; saves the pc), `runTB`
// (saves which engine, which entry and - per-fiber mode - the resumption
// state) and the helper. A helper that swaps leaves the fiber core unwinding;
// the Wasm TB sees `helper.u() == 0` and returns 0 (the IR interpreter stops
// after the call); `runTB` saves its frame and returns; so does `execute`.
// On rewind `runTB` restores: per-fiber mode writes the saved registers and
// BLOCK_IDX back into the instance (re-instantiating it if it was evicted)
// and re-enters `start(ctx)` with do_init = 0, so the TB resumes at the block
// that starts with the interrupted call; instance-globals mode (as QEMU's
// Wasm TCG backend does) writes nothing and trusts the instance globals - the hazard docs/TBModules.md describes.
// The IR path resumes at the saved op index with the saved registers.

import Asyncify
import TBCodegen
import WasmBinary
import WasmInterpreter

/// Instantiates, caches and runs translation blocks; see the file header.
///
/// ```swift
/// let tbrt = try TBRuntime()
/// tbrt.install(tb)
/// let cpu = try tbrt.makeCPU()
/// try fibers.run { cx, _ in _ = try tbrt.execute(cx, cpu: cpu, pc: tb.pc) }
/// ```
/// Not thread-safe: use a runtime from one thread, like the fiber core.
public final class TBRuntime {
    /// The configuration; engine choice and cap may be changed between runs.
    // Read on every TB run: no dynamic exclusivity checks (see `statistics`).
    @exclusivity(unchecked) public var configuration: TBRuntimeConfiguration
    /// The Wasm store that owns the shared memory (the TB instances, which
    /// import it, live in ``instanceStore``).
    package let store: Store
    /// The shared linear memory.
    package let memory: Memory
    /// The same memory as the IR interpreter and helpers see it.
    public let tbMemory: TBMemory
    /// The reference softmmu over guest RAM (its slow paths are the default `qemu_ld`/`qemu_st`).
    public let softMMU: TBSoftMMU
    // The state `runTB` and `callWasmTB` touch on every TB run is
    // `@exclusivity(unchecked)`: the runtime is single-threaded and never holds
    // an access to it across a call, and the dynamic checks were about 8% of
    // the host instructions of a RISC-V run on the native tier (callgrind).
    /// Run counts.
    @exclusivity(unchecked) public internal(set) var statistics = TBRuntimeStatistics()

    var helpers: [String: TBRuntimeHelper] = [:]
    @exclusivity(unchecked) var cache: [UInt64: TBCacheEntry] = [:]
    /// Entries by pc in front of ``cache`` (which owns them).
    let jumpCache = TBJumpCache()
    var live: [TBCacheEntry] = []
    var nextEntryID: UInt64 = 1
    @exclusivity(unchecked) var clock: UInt64 = 0
    var cpuCount = 0
    let instanceCounter = TBInstanceCounter()
    /// The call the running Wasm TB's helpers serve.
    @exclusivity(unchecked) var currentCall: TBHelperCall?
    /// The TB whose Wasm instance is running (its helpers are the ones the
    /// shared helper imports call). Not retained: the run that sets it holds the entry.
    @exclusivity(unchecked) unowned(unsafe) var currentEntry: TBCacheEntry?
    /// The store new TB instances go into (see ``currentInstanceStore()``).
    var instanceStore: TBInstanceStore?

    /// Creates a runtime with its shared memory and the default slow-path helpers.
    ///
    /// - Throws: ``TBRuntimeError`` if the memory layout does not fit the address width.
    public init(configuration: TBRuntimeConfiguration = TBRuntimeConfiguration()) throws(TBRuntimeError) {
        self.configuration = configuration
        let is64 = configuration.addressing == .memory64
        let pages = configuration.memoryPages
        let maxPages: UInt64 = is64 ? 262_144 : 65_536
        guard configuration.maximumCPUs >= 1, pages <= min(maxPages, 16_384) else {
            throw TBRuntimeError(
                .badConfiguration(
                    "\(configuration.maximumCPUs) CPUs and \(configuration.guestRAMSize) bytes of "
                        + "guest RAM need \(pages) pages (at most 16384, at least one CPU)"))
        }
        store = Store(configuration: Store.Configuration(maximumMemoryPages: maxPages))
        do {
            memory = try Memory(
                store: store, type: Limits(min: pages, max: maxPages, isShared: true, is64: is64))
        } catch {
            throw TBRuntimeError(.badConfiguration("cannot create the shared memory: \(error)"))
        }
        // The memory never grows, so its base address stays valid for the runtime's life.
        tbMemory = memory.withUnsafeMutableBytes { TBMemory($0, wrapsAddressesTo32Bits: !is64) }
        softMMU = TBSoftMMU(
            memory: tbMemory, guestBase: configuration.guestBase, hostBase: configuration.guestRAMHostBase,
            byteCount: configuration.guestRAMSize)
        let mmu = softMMU
        helpers[TBHelperSignature.guestLoadSlowPath.name] = { _, args in try mmu.loadSlowPath(args) }
        helpers[TBHelperSignature.guestStoreSlowPath.name] = { _, args in try mmu.storeSlowPath(args) }
    }

    deinit { jumpCache.deallocate() }

    /// Registers (or replaces) the helper TBs call by `name`, including the
    /// guest-memory slow paths `qemu_ld`/`qemu_st`.
    public func registerHelper(_ name: String, _ body: @escaping TBRuntimeHelper) {
        helpers[name] = body
        for entry in cache.values { entry.helpersResolved = false }
    }

    /// Installs `tb` for its guest pc, replacing (and dropping the instance of)
    /// any TB installed there before.
    public func install(_ tb: TranslationBlock) {
        if let old = cache[tb.pc] { dropInstance(of: old) }
        let entry = TBCacheEntry(id: nextEntryID, tb: tb)
        cache[tb.pc] = entry
        // Before the old entry goes: its slot must not outlive it.
        jumpCache.remember(entry, at: tb.pc)
        nextEntryID += 1
    }

    /// The TB installed for `pc`, if any.
    public func translationBlock(at pc: UInt64) -> TranslationBlock? { cache[pc]?.tb }

    /// How many times the TB at `pc` ran (normal entries on either engine).
    package func runCount(at pc: UInt64) -> Int { cache[pc]?.runs ?? 0 }

    /// Whether the TB at `pc` has a live Wasm instance.
    package func hasInstance(at pc: UInt64) -> Bool { cache[pc]?.instance != nil }

    /// The engine the live Wasm instance of the TB at `pc` runs on
    /// (``Store/Engine/native`` or ``Store/Engine/interpreter``), or nil without one.
    package func engine(at pc: UInt64) -> Store.Engine? { cache[pc]?.instance?.store.resolvedEngine }

    /// The number of live Wasm instances (those the cache holds).
    package var instanceCount: Int { live.count }

    /// The number of Wasm instances the shared instance store holds: each
    /// allocated TB instance is one, and nothing else is.
    package var storeInstanceCount: Int { instanceStore?.store.instanceCount ?? 0 }

    /// The bytes of machine code the shared instance store holds for TB instances.
    package var nativeCodeBytes: Int { instanceStore?.store.nativeCodeBytes ?? 0 }

    /// The number of TB instances still allocated: the cached ones plus any
    /// evicted or replaced instance a running `call_wasm_tb` still uses. Once
    /// no TB runs it equals ``instanceCount``: dropped instances are freed.
    package var allocatedInstanceCount: Int { instanceCounter.allocated }

    /// Allocates the next CPU block: writes its context record (env, TLB,
    /// `next_tb = 0`, `do_init = 1`), clears its registers and env and flushes its TLB.
    ///
    /// - Throws: ``TBRuntimeError`` when all ``TBRuntimeConfiguration/maximumCPUs`` are in use.
    public func makeCPU() throws(TBRuntimeError) -> TBCPU {
        guard cpuCount < configuration.maximumCPUs else {
            throw TBRuntimeError(.badConfiguration("all \(configuration.maximumCPUs) CPUs are in use"))
        }
        let cpu = TBCPU(
            index: cpuCount,
            base: TBRuntimeConfiguration.firstCPUAddress + UInt64(cpuCount)
                * TBRuntimeConfiguration.cpuBlockSize)
        cpuCount += 1
        try reset(cpu)
        return cpu
    }

    /// Resets a CPU: context record, zero registers and env, flushed TLB.
    public func reset(_ cpu: TBCPU) throws(TBRuntimeError) {
        do {
            memory.withUnsafeMutableBytes { raw in
                let block = UnsafeMutableRawBufferPointer(
                    rebasing: raw[Int(cpu.base)..<Int(cpu.base + TBRuntimeConfiguration.cpuBlockSize)])
                block.initializeMemory(as: UInt8.self, repeating: 0)
            }
            try TBSoftMMU.initializeContext(memory: tbMemory, at: cpu.context, env: cpu.env, tlb: cpu.tlb)
        } catch {
            throw TBRuntimeError(.badConfiguration("CPU \(cpu.index) lies outside the memory: \(error)"))
        }
    }

    /// A CPU's registers.
    public func registers(of cpu: TBCPU) -> TBRegisters {
        var r = TBRegisters()
        for reg in TBReg.allCases {
            r[reg] = (try? tbMemory.load(.u64, at: cpu.registerFile, offset: UInt64(reg.index * 8))) ?? 0
        }
        return r
    }

    /// Sets a CPU's registers.
    public func setRegisters(_ registers: TBRegisters, of cpu: TBCPU) {
        for reg in TBReg.allCases {
            try? tbMemory.store(.u64, registers[reg], at: cpu.registerFile, offset: UInt64(reg.index * 8))
        }
    }

    /// Runs guest code on `cpu` from `pc`: the host's cpu loop. Runs the TB at
    /// `pc`, then the TB its `goto_tb` names, until a TB exits (`next_tb` = 0).
    ///
    /// A participating function (see `AsyncifyFrame`): call it from a fiber
    /// entry or export and, when `cx.isUnwinding` afterwards, save your frame
    /// and return; on rewind call it again with the same arguments.
    ///
    /// - Returns: The value of the final `exit_tb` (0 while unwinding).
    /// - Throws: ``TBRuntimeError``, `FiberError`, or what a helper threw.
    public func execute(_ cx: FiberContext, cpu: TBCPU, pc start: UInt64) throws -> UInt64 {
        var pc = start
        var count = 0
        var frame = cx.enter()
        if frame.isRewinding { (pc, count) = try frame.restore() }
        // The dispatch reaches the CPU block through raw pointers from here on.
        guard cpu.base + TBRuntimeConfiguration.cpuBlockSize <= UInt64(tbMemory.byteCount) else {
            throw TBRuntimeError(.badConfiguration("CPU \(cpu.index) lies outside the memory"))
        }
        // The call the TBs of this loop serve, set once (`runCompiledTB` updates
        // its pc; the general path and nested runs set their own and restore this).
        let savedCall = currentCall
        let savedEntry = currentEntry
        currentCall = TBHelperCall(fibers: cx, cpu: cpu, pc: pc, memory: tbMemory)
        defer {
            currentCall = savedCall
            currentEntry = savedEntry
        }
        while true {
            let result = try runTB(cx, cpu: cpu, pc: pc)
            if try frame.unwinding(at: 1, saving: (pc, count)) { return 0 }
            let next = nextTB(of: cpu)
            if next == 0 { return result }
            count += 1
            guard count < configuration.maximumTBsPerExecution else {
                throw TBRuntimeError(.tbLimitExceeded(configuration.maximumTBsPerExecution))
            }
            pc = next
        }
    }

    /// The `next_tb` field of the CPU's context (the CPU block lies in the memory: see `execute`).
    @inline(__always)
    func nextTB(of cpu: TBCPU) -> UInt64 {
        (tbMemory.base + Int(cpu.context)).load(
            fromByteOffset: Int(TBContextLayout.nextTBOffset), as: UInt64.self)
    }

    /// The entry installed for `pc`: the jump cache's slot, else the dictionary (filling the slot).
    @inline(__always)
    func entry(at pc: UInt64) -> TBCacheEntry? {
        if let entry = jumpCache.entry(at: pc) { return entry }
        guard let entry = cache[pc] else { return nil }
        jumpCache.remember(entry, at: pc)
        return entry
    }

    /// Runs one TB (or resumes it): chooses the engine and keeps the fiber's
    /// resumption state in its Asyncify frame.
    @inline(__always)
    func runTB(_ cx: FiberContext, cpu: TBCPU, pc: UInt64) throws -> UInt64 {
        // The hot case: a normal entry into a TB that runs as Wasm already.
        if !cx.isRewinding, let entry = entry(at: pc), let wasm = entry.instance, entry.helpersResolved,
            entry.runs >= configuration.compileThreshold
        {
            return try withExtendedLifetime(entry) {
                try runCompiledTB(cx, cpu: cpu, pc: pc, entry: entry, wasm: wasm)
            }
        }
        return try runAnyTB(cx, cpu: cpu, pc: pc)
    }

    /// ``runTB(_:cpu:pc:)`` in every case: resumptions, the IR engine, a TB's first Wasm run.
    func runAnyTB(_ cx: FiberContext, cpu: TBCPU, pc: UInt64) throws -> UInt64 {
        var frame = cx.enter()
        var state = SuspendedTBState(
            engine: 0, entryID: 0, resumePoint: 0, registers: TBRegisters()
        )
        let rewinding = frame.isRewinding
        if rewinding { state = try frame.restore() }
        guard let entry = entry(at: pc) else { throw TBRuntimeError(.noTranslationBlock(pc: pc)) }
        if rewinding {
            guard state.entryID == entry.id else {
                throw TBRuntimeError(
                    .resumeMismatch(pc: pc, "the TB was replaced while a fiber was suspended in it"))
            }
            statistics.resumptions += 1
        }
        try resolveHelpers(entry)
        clock += 1
        entry.lastUse = clock
        let useWasm = rewinding ? state.engine == 1 : entry.runs >= configuration.compileThreshold
        if !rewinding { entry.runs += 1 }
        let result: UInt64
        if useWasm {
            if !rewinding { statistics.wasmRuns += 1 }
            result = try callWasmTB(cx, cpu: cpu, pc: pc, entry: entry, rewinding: rewinding, state: &state)
        } else {
            if !rewinding { statistics.interpretedRuns += 1 }
            result = try callInterpretedTB(cx, cpu: cpu, entry: entry, rewinding: rewinding, state: &state)
        }
        if cx.isUnwinding {
            statistics.suspensions += 1
            state.entryID = entry.id
            if try frame.unwinding(at: 1, saving: state) { return 0 }
        }
        return result
    }

    /// ``runAnyTB(_:cpu:pc:)`` for a normal entry into a TB whose instance is
    /// live and due to run (helpers resolved, past the compile threshold): the
    /// same bookkeeping, registers, `call_wasm_tb` and, when a helper unwinds,
    /// the same frame, without the general path's branches and copies.
    func runCompiledTB(
        _ cx: FiberContext, cpu: TBCPU, pc: UInt64, entry: TBCacheEntry, wasm: TBWasmInstance
    ) throws -> UInt64 {
        clock += 1
        entry.lastUse = clock
        entry.runs += 1
        statistics.wasmRuns += 1
        let block = tbMemory.base + Int(cpu.base)
        wasm.copyRegisters(from: block + Int(TBRuntimeConfiguration.registerFileOffset))
        (block + Int(TBRuntimeConfiguration.contextOffset)).storeBytes(
            of: 1, toByteOffset: Int(TBContextLayout.doInitOffset), as: UInt32.self)
        let result: UInt64
        if configuration.wasmFuelPerTB == nil {
            // `execute` set the call this run serves: only the pc and the entry change.
            currentCall?.pc = pc
            currentEntry = entry
            result = try run(wasm, cpu: cpu, pc: pc)
        } else {
            result = try runInstance(wasm, cx, cpu: cpu, pc: pc, entry: entry)
        }
        if cx.isUnwinding {
            var state = SuspendedTBState(engine: 0, entryID: 0, resumePoint: 0, registers: TBRegisters())
            saveSuspension(of: wasm, into: &state)
            statistics.suspensions += 1
            state.entryID = entry.id
            let frame = cx.enter()
            _ = try frame.unwinding(at: 1, saving: state)
            return 0
        }
        wasm.copyRegisters(to: block + Int(TBRuntimeConfiguration.registerFileOffset))
        return result
    }

    func resolveHelpers(_ entry: TBCacheEntry) throws(TBRuntimeError) {
        if entry.helpersResolved { return }
        var resolved: [TBRuntimeHelper] = []
        for h in entry.tb.helpers {
            guard let f = helpers[h.name] else {
                throw TBRuntimeError(.missingHelper(name: h.name, pc: entry.tb.pc))
            }
            resolved.append(f)
        }
        entry.helpers = resolved
        entry.program = nil
        entry.helpersResolved = true
    }

    /// The TB prepared for the IR interpreter, built on its first interpreted
    /// run (a TB that only ever runs as Wasm never needs it; ``instance(for:)``
    /// drops it once the TB has a Wasm instance, and a fiber that resumes in
    /// the IR path afterwards rebuilds it).
    func interpretedProgram(of entry: TBCacheEntry) throws(TBRuntimeError) -> TBInterpreter.Program {
        if let program = entry.program { return program }
        // The IR interpreter's helpers reach the call they serve through `currentCall`,
        // as the Wasm imports do.
        unowned(unsafe) let runtime = self
        let serving: [TBHelperFunction] = entry.helpers.map { body in
            { args in
                guard let call = runtime.currentCall else {
                    throw TBRuntimeError(.badConfiguration("a TB helper was called outside a TB run"))
                }
                return try body(call, args)
            }
        }
        let program: TBInterpreter.Program
        do {
            program = try TBInterpreter.Program(entry.tb, resolvedHelpers: serving)
        } catch {
            throw TBRuntimeError(.interpreter(pc: entry.tb.pc, error))
        }
        entry.program = program
        return program
    }

    /// Loads the CPU's register file.
    func loadRegisters(_ cpu: TBCPU) -> TBRegisters {
        var r = TBRegisters()
        let base = tbMemory.base + Int(cpu.registerFile)
        withUnsafeMutableBytes(of: &r) {
            $0.copyMemory(from: UnsafeRawBufferPointer(start: base, count: 128))
        }
        return r
    }

    /// Stores the registers in `mask` (bit i: register i) into the CPU's register file.
    func storeRegisters(_ r: TBRegisters, _ cpu: TBCPU, mask: UInt16) {
        let base = tbMemory.base + Int(cpu.registerFile)
        withUnsafeBytes(of: r) { raw in
            var mask = mask
            while mask != 0 {
                let i = mask.trailingZeroBitCount
                base.storeBytes(
                    of: raw.load(fromByteOffset: i &* 8, as: UInt64.self), toByteOffset: i &* 8,
                    as: UInt64.self)
                mask &= mask &- 1
            }
        }
    }
}
