/// Why a guest program stopped other than by exiting.
///
/// Every case carries the hart and the guest pc, so the fault can be found in
/// the program's disassembly. The interpreter stays usable after a fault: the
/// faulting hart's pc still points at the instruction that faulted.
public enum GuestFault: Error, Equatable, Sendable, CustomStringConvertible {
    /// The word at `pc` is not an RV64IM instruction.
    case illegalInstruction(IllegalInstruction, pc: UInt64, hart: Int)
    /// A load, store or instruction fetch touched an address outside guest memory.
    case memoryAccess(address: UInt64, size: Int, kind: AccessKind, pc: UInt64, hart: Int)
    /// A jump or branch went to an address that is not a multiple of 4.
    case misalignedFetch(pc: UInt64, hart: Int)
    /// The program executed `ebreak`.
    case breakpoint(pc: UInt64, hart: Int)
    /// The run executed its whole instruction budget without every hart exiting.
    case instructionLimitReached(limit: UInt64)
    /// The engine itself failed (a translator or TB runtime bug, not the guest's doing).
    case internalError(String)

    /// What a faulting memory access was doing.
    public enum AccessKind: String, Sendable {
        /// An instruction fetch, a load or a store.
        case fetch, load, store
    }

    /// A one-line explanation naming what was wrong and where.
    public var description: String {
        switch self {
        case .illegalInstruction(let error, let pc, let hart):
            return "hart \(hart) at pc 0x\(hex(pc)): \(error)"
        case .memoryAccess(let address, let size, let kind, let pc, let hart):
            return
                "hart \(hart) at pc 0x\(hex(pc)): \(kind.rawValue) of \(size) bytes at 0x\(hex(address)) is outside guest memory"
        case .misalignedFetch(let pc, let hart):
            return "hart \(hart): jump to misaligned address 0x\(hex(pc))"
        case .breakpoint(let pc, let hart):
            return "hart \(hart) at pc 0x\(hex(pc)): ebreak"
        case .instructionLimitReached(let limit):
            return "the program did not exit within \(limit) instructions"
        case .internalError(let message):
            return "internal error: \(message)"
        }
    }
}

/// The guest could not be set up from its ELF image.
public enum MachineSetupError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The image's segments, plus the stacks, need more guest memory than allowed.
    case imageTooLarge(bytes: UInt64, limit: UInt64)
    /// The hart count is not in `1...maximumHarts`.
    case badHartCount(Int)
    /// The executable segments span more than the instruction cache allows.
    case codeTooLarge(bytes: UInt64, limit: UInt64)

    /// A one-line explanation naming what was wrong and where.
    public var description: String {
        switch self {
        case .imageTooLarge(let bytes, let limit):
            return "the program needs \(bytes) bytes of guest memory; the limit is \(limit)"
        case .badHartCount(let count):
            return "hart count \(count) is not in 1...\(GuestMemory.maximumHarts)"
        case .codeTooLarge(let bytes, let limit):
            return "the executable segments span \(bytes) bytes; the limit is \(limit)"
        }
    }
}
