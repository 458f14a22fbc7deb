import TBCodegen
import TBRuntime

/// Every Wasm TB module one run of a guest program on the TB runtime
/// instantiated, keyed by guest pc, with the shared memory the run started
/// from and what the run printed - enough for another Wasm engine (node's V8,
/// see ``NodeTBRunner``) to replay the program on the same modules.
///
/// The modules are exactly the bytes the runtime instantiates
/// (`TBEmitter.module(for:addressing:)` of each installed TB with the
/// runtime's addressing), so a second engine runs the same code, not a
/// re-translation.
public struct WasmTBCapture: Sendable {
    /// One TB module.
    public struct TBModule: Sendable {
        /// The guest pc of the TB.
        public var pc: UInt64
        /// The encoded module.
        public var bytes: [UInt8]
        /// The helper each `helper.N` import stands for, in import order.
        public var helpers: [String]
    }

    /// The modules, in guest-pc order.
    public var modules: [TBModule]
    /// The shared memory before the first TB ran, from address 0 (CPU block,
    /// registers, env, flushed TLB, guest RAM).
    public var initialMemory: [UInt8]
    /// The size of the shared memory in 64 KiB pages.
    public var memoryPages: UInt64
    /// The CPU's context record (the `ctx` argument of every TB).
    public var context: UInt64
    /// The CPU's register file (16 x u64; the runtime copies it into the TB's
    /// globals around each run).
    public var registerFile: UInt64
    /// The CPU state (``RISCVCPUState``).
    public var env: UInt64
    /// The software TLB.
    public var tlb: UInt64
    /// The first guest address of guest RAM.
    public var guestBase: UInt64
    /// Where guest RAM lies in the shared memory.
    public var guestRAMHostBase: UInt64
    /// The size of guest RAM in bytes.
    public var guestRAMSize: UInt64
    /// The executable range (stores into it would need retranslation).
    public var codeRange: Range<UInt64>
    /// The entry point.
    public var entry: UInt64
    /// How the capturing run ended.
    public var exit: GuestExit
    /// What the capturing run wrote to fd 1.
    public var standardOutput: [UInt8]
    /// What the capturing run wrote to fd 2.
    public var standardError: [UInt8]
}

extension TranslatingMachine {
    /// Runs `image` on one hart with every TB as Wasm (compilation `.always`, TB
    /// state in `layout`) and captures the modules the runtime instantiated and
    /// the state the run started from.
    ///
    /// - Throws: ``MachineSetupError`` or ``GuestFault`` (as `any Error`) if the
    ///   program cannot be set up or faults; ``WasmTBCaptureError`` if it
    ///   rewrote its own code (a replay would need retranslation).
    public static func captureWasmTBs(
        image: ELFImage, instructionLimit: UInt64 = 10_000_000_000,
        layout: TBEmitter.StateLayout = TBEmitter.defaultLayout
    ) throws -> WasmTBCapture {
        let machine = try TranslatingMachine(
            image: image, hartCount: 1, compilation: .always, stateLayout: layout)
        let runtime = machine.runtime
        let configuration = runtime.configuration
        machine.setLoopDeadlines(instructionLimit)  // as run(instructionLimit:) will
        let end = Int(configuration.guestRAMHostBase + configuration.guestRAMSize)
        let initialMemory = Array(UnsafeRawBufferPointer(start: runtime.tbMemory.base, count: end))
        let exit = try machine.run(instructionLimit: instructionLimit)
        guard machine.translationCount == machine.blocks.count else {
            throw WasmTBCaptureError(
                message: "the program rewrote its code (\(machine.translationCount) translations of "
                    + "\(machine.blocks.count) blocks)")
        }
        var modules: [WasmTBCapture.TBModule] = []
        for pc in machine.blocks.keys.sorted() {
            guard let tb = runtime.translationBlock(at: pc) else { continue }
            modules.append(
                WasmTBCapture.TBModule(
                    pc: pc,
                    bytes: TBEmitter.module(
                        for: tb, addressing: configuration.addressing, layout: configuration.layout
                    ).encoded(),
                    helpers: tb.helpers.map(\.name)))
        }
        let cpu = machine.cpus[0]
        return WasmTBCapture(
            modules: modules, initialMemory: initialMemory, memoryPages: configuration.memoryPages,
            context: cpu.context, registerFile: cpu.registerFile, env: cpu.env, tlb: cpu.tlb,
            guestBase: configuration.guestBase, guestRAMHostBase: configuration.guestRAMHostBase,
            guestRAMSize: configuration.guestRAMSize, codeRange: machine.codeRange, entry: image.entry,
            exit: exit, standardOutput: machine.standardOutput, standardError: machine.standardError)
    }
}

/// A run could not be captured for replay.
public struct WasmTBCaptureError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What prevented the capture.
    public var message: String
    /// A one-line explanation.
    public var description: String { "cannot capture the Wasm TBs: \(message)" }
}
