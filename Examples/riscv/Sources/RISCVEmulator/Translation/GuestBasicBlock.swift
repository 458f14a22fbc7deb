/// A guest basic block: the straight-line run of instructions from one pc up
/// to and including the first instruction that may leave it - the unit the
/// translator turns into one translation block.
///
/// A block ends at a jump, branch, `ecall`, `ebreak` or `fence.i`
/// (``Opcode/endsBasicBlock``), before a word that does not decode (so the
/// fault happens when execution reaches it, not when the block is built), at
/// the end of the code, or after ``maximumLength`` instructions.
public struct GuestBasicBlock: Equatable, Sendable {
    /// Guest address of the first instruction.
    public let startAddress: UInt64
    /// The instructions, in address order (never empty).
    public let instructions: [Instruction]
    /// Why the block stops where it does.
    public let end: End

    /// How a block ends.
    public enum End: Equatable, Sendable {
        /// Its last instruction is a jump, branch or trap (``Opcode/endsBasicBlock``).
        case controlTransfer
        /// It reached ``maximumLength``; execution falls through to ``GuestBasicBlock/endAddress``.
        case lengthLimit
        /// The next word is not an instruction, or lies outside the code;
        /// execution falls through to it and faults there.
        case beforeFault
    }

    /// The longest block the scanner builds.
    public static let maximumLength = 128

    /// Guest address just past the last instruction.
    public var endAddress: UInt64 { startAddress + UInt64(instructions.count) * 4 }

    /// Decodes the block that starts at `pc`.
    /// - Parameters:
    ///   - pc: the first instruction's address.
    ///   - memory: guest memory holding the code.
    ///   - code: the executable address range; fetches outside it fault.
    ///   - maximumLength: stop after this many instructions (at least 1).
    /// - Throws: ``GuestFault`` if the *first* instruction cannot be fetched or decoded
    ///   (hart 0 is named; the caller knows the real hart).
    public static func scan(
        at pc: UInt64, memory: GuestMemory, code: Range<UInt64>, maximumLength: Int = maximumLength
    ) throws(GuestFault) -> GuestBasicBlock {
        var instructions: [Instruction] = []
        var address = pc
        var end = End.lengthLimit
        while instructions.count < max(maximumLength, 1) {
            guard address & 3 == 0 else {
                if instructions.isEmpty { throw .misalignedFetch(pc: address, hart: 0) }
                end = .beforeFault
                break
            }
            guard code.contains(address), address <= code.upperBound &- 4, memory.contains(address, size: 4)
            else {
                if instructions.isEmpty {
                    throw .memoryAccess(address: address, size: 4, kind: .fetch, pc: address, hart: 0)
                }
                end = .beforeFault
                break
            }
            let word = UInt32(
                littleEndian: memory.bytes.loadUnaligned(
                    fromByteOffset: Int(address - memory.baseAddress), as: UInt32.self))
            let instruction: Instruction
            do {
                instruction = try Instruction(decoding: word)
            } catch {
                if instructions.isEmpty { throw .illegalInstruction(error, pc: address, hart: 0) }
                end = .beforeFault
                break
            }
            instructions.append(instruction)
            address += 4
            if instruction.opcode.endsBasicBlock {
                end = .controlTransfer
                break
            }
        }
        return GuestBasicBlock(startAddress: pc, instructions: instructions, end: end)
    }
}
