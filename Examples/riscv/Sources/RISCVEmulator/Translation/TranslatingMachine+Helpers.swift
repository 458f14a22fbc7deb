import Asyncify
import TBCodegen
import TBRuntime

// The helpers the translated blocks call: `riscv_ecall` (system calls, where
// harts and the console fiber switch) and the guest-memory slow paths
// `qemu_ld`/`qemu_st`, which refill the TLB through the machine's TBSoftMMU.

extension TranslatingMachine {
    func registerHelpers() {
        runtime.registerHelper(RISCVTranslator.ecallHelper) { [unowned self] call, _ in try self.ecall(call) }
        runtime.registerHelper(TBHelperSignature.guestLoadSlowPath.name) { [unowned self] call, args in
            try self.slowLoad(address: args[1], memop: args[2], hart: call.cpu.index)
        }
        runtime.registerHelper(TBHelperSignature.guestStoreSlowPath.name) { [unowned self] call, args in
            try self.slowStore(address: args[1], value: args[2], memop: args[3], hart: call.cpu.index)
            return 0
        }
    }

    /// `riscv_ecall`: services the system call (a console `write` on the
    /// console fiber), then yields to the scheduler if another hart can run.
    /// Returns 1 to stop the TB once this hart no longer runs.
    private func ecall(_ call: TBHelperCall) throws -> UInt64 {
        let cx = call.fibers
        let hart = call.cpu.index
        var frame = cx.enter()
        if frame.isRewinding { try frame.restore() }
        var toConsole = false
        if frame.isNormal {
            if retiredInstructions > instructionLimit {
                let limit = GuestFault.instructionLimitReached(limit: instructionLimit)
                fault = limit
                throw limit
            }
            let number = register(17, hart: hart)
            let fd = register(10, hart: hart)
            if number == LinuxProcess.Number.write, fd == 1 || fd == 2, let me = cx.currentFiber {
                consoleRequest = (me, hart, fd, register(11, hart: hart), register(12, hart: hart))
                toConsole = true
            } else {
                let result = process.systemCall(
                    number, fd, register(11, hart: hart), register(12, hart: hart), hart: hart, memory: layout
                )
                setRegister(10, result, hart: hart)
            }
        }
        if frame.calls(1), frame.isRewinding || toConsole, let me = cx.currentFiber, let console {
            try cx.swap(from: me, to: console)
            if try frame.unwinding(at: 1) { return 0 }
            setRegister(10, consoleResult, hart: hart)
        }
        guard process.isRunning[hart] else { return 1 }
        let others = (0..<hartCount).contains { $0 != hart && process.isRunning[$0] }
        if frame.calls(2), frame.isRewinding || others, let me = cx.currentFiber, let scheduler {
            if frame.isNormal { hartSwaps += 1 }
            try cx.swap(from: me, to: scheduler)
            if try frame.unwinding(at: 2) { return 0 }
        }
        return process.isRunning[hart] ? 0 : 1
    }

    /// The console device: performs each pending `write` and swaps back to its client.
    func consoleLoop(_ cx: FiberContext) throws {
        var frame = cx.enter()
        if frame.isRewinding { try frame.restore() }
        while true {
            var client = scheduler
            if frame.isNormal, let request = consoleRequest {
                consoleRequest = nil
                consoleSwaps += 1
                consoleResult = process.systemCall(
                    LinuxProcess.Number.write, request.fd, request.address, request.count, hart: request.hart,
                    memory: layout)
                client = request.client
            }
            guard let me = console, let client else { return }
            try cx.swap(from: me, to: client)
            if try frame.unwinding(at: 1) { return }
        }
    }

    /// The access `memop` describes and its host address, once `address` is
    /// known to be guest RAM; otherwise records and throws the guest's memory fault.
    private func checkedAccess(
        _ memop: UInt64, at address: UInt64, kind: GuestFault.AccessKind, hart: Int
    ) throws(GuestFault) -> (TBMemAccess, host: UInt64) {
        guard let access = TBMemAccess(memop: memop) else { throw .internalError("bad memop \(memop)") }
        guard let host = mmu.hostAddress(of: address, byteCount: access.byteCount) else {
            let f = GuestFault.memoryAccess(
                address: address, size: access.byteCount, kind: kind, pc: pc(hart: hart), hart: hart)
            fault = f
            throw f
        }
        return (access, host)
    }

    private func slowLoad(address: UInt64, memop: UInt64, hart: Int) throws(GuestFault) -> UInt64 {
        let (access, host) = try checkedAccess(memop, at: address, kind: .load, hart: hart)
        try? mmu.fillTLB(at: cpus[hart].tlb, for: address)
        return (try? runtime.tbMemory.load(access, at: host)) ?? 0
    }

    /// The code range is write-protected in the TLB, so every store into the
    /// translated code comes here.
    private func slowStore(address: UInt64, value: UInt64, memop: UInt64, hart: Int) throws(GuestFault) {
        let (access, host) = try checkedAccess(memop, at: address, kind: .store, hart: hart)
        try? mmu.fillTLB(at: cpus[hart].tlb, for: address)
        try? runtime.tbMemory.store(access, value, at: host)
        if address < codeRange.upperBound, address &+ UInt64(access.byteCount) > codeRange.lowerBound {
            // The guest rewrites its code: the running TB finishes as
            // translated, the next one entered sees the new instructions.
            retranslateChangedBlocks()
        }
    }
}

extension GuestFault {
    /// The same fault, attributed to `hart` (the block scanner does not know it).
    func onHart(_ hart: Int) -> GuestFault {
        switch self {
        case .illegalInstruction(let error, let pc, _): return .illegalInstruction(error, pc: pc, hart: hart)
        case .memoryAccess(let address, let size, let kind, let pc, _):
            return .memoryAccess(address: address, size: size, kind: kind, pc: pc, hart: hart)
        case .misalignedFetch(let pc, _): return .misalignedFetch(pc: pc, hart: hart)
        case .breakpoint(let pc, _): return .breakpoint(pc: pc, hart: hart)
        case .instructionLimitReached, .internalError: return self
        }
    }
}
