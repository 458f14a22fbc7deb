/// A guest basic block: the straight-line run of instructions from one pc up
/// to and including the first instruction that may leave it - the unit the
/// translator turns into one translation block.
///
/// A block ends at a jump, branch, `ecall`, `ebreak` or `fence.i`
/// (``Opcode/endsBasicBlock``), before a word that does not decode (so the
/// fault happens when execution reaches it, not when the block is built), at
/// the end of the code, or after ``maximumLength`` instructions.
///
/// With `followingBranches`, it also continues on the fall-through side of a
/// conditional branch, which becomes a side exit of the TB (so a block is a
/// superblock of one or more segments, each ending at a followed branch).
///
/// With `followingDirectJumps`, the scanner continues through a jump whose
/// target is known when the block is built - `jal`, and `jalr` right after an
/// `auipc` of its base register (the `call` pair) - as QEMU's translator could
/// with a superblock: the jump only writes its link register and the block
/// goes on at the target. Fewer, longer blocks mean fewer trips through the
/// runtime's cpu loop (a call no longer ends a block). A block that already
/// holds a store follows no jump or branch: a store that rewrites code takes effect
/// from the next TB entered, so code a jump leads to must not share a TB with
/// an earlier store (the program would run the stale translation).
public struct GuestBasicBlock: Equatable, Sendable {
    /// Guest address of the first instruction.
    public let startAddress: UInt64
    /// The instructions, in execution order (never empty).
    public let instructions: [Instruction]
    /// The guest address of each instruction (consecutive unless the block
    /// followed a direct jump).
    public let addresses: [UInt64]
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
    public var endAddress: UInt64 { (addresses.last ?? startAddress) &+ 4 }
    /// Where execution continues when the block does not end with a control
    /// transfer (``End/lengthLimit``, ``End/beforeFault``): after the last
    /// instruction, or at the target of a followed jump that ended the scan.
    public let fallThroughAddress: UInt64

    /// Whether the scanner went on after the control transfer at `index`: a
    /// followed jump (it only writes its link register; the block continues
    /// at its target) or a followed conditional branch (a side exit; the block
    /// continues at the next instruction).
    public func isFollowed(at index: Int) -> Bool {
        instructions[index].opcode.endsBasicBlock
            && (index < instructions.count - 1 || end != .controlTransfer)
    }

    /// The number of instructions in each segment: a segment ends after a
    /// followed conditional branch (a side exit), the last one at the block's end.
    public var segmentLengths: [Int] {
        var lengths: [Int] = []
        var start = 0
        for index in instructions.indices
        where instructions[index].opcode.isConditionalBranch && isFollowed(at: index) {
            lengths.append(index + 1 - start)
            start = index + 1
        }
        lengths.append(instructions.count - start)
        return lengths
    }

    /// Decodes the block that starts at `pc`.
    /// - Parameters:
    ///   - pc: the first instruction's address.
    ///   - memory: guest memory holding the code.
    ///   - code: the executable address range; fetches outside it fault.
    ///   - maximumLength: stop after this many instructions (at least 1).
    ///   - followingDirectJumps: continue through `jal` and `auipc`+`jalr` to
    ///     a valid target not yet in the block (see the type's documentation).
    ///   - followingBranches: continue on the fall-through side of a
    ///     conditional branch when it is a valid address not yet in the block.
    /// - Throws: ``GuestFault`` if the *first* instruction cannot be fetched or decoded
    ///   (hart 0 is named; the caller knows the real hart).
    public static func scan(
        at pc: UInt64, memory: GuestMemory, code: Range<UInt64>, maximumLength: Int = maximumLength,
        followingDirectJumps: Bool = false, followingBranches: Bool = false
    ) throws(GuestFault) -> GuestBasicBlock {
        var instructions: [Instruction] = []
        var addresses: [UInt64] = []
        func fetchable(_ address: UInt64) -> Bool {
            address & 3 == 0 && code.contains(address) && address <= code.upperBound &- 4
                && memory.contains(address, size: 4)
        }
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
            addresses.append(address)
            if instruction.opcode.endsBasicBlock {
                let holdsStore = instructions.contains(where: \.opcode.isStore)
                if followingDirectJumps, !holdsStore,
                    let target = directTarget(of: instruction, at: address, instructions, addresses),
                    fetchable(target), !addresses.contains(target)
                {
                    address = target
                    continue
                }
                if followingBranches, !holdsStore, instruction.opcode.isConditionalBranch,
                    fetchable(address &+ 4), !addresses.contains(address &+ 4)
                {
                    address += 4
                    continue
                }
                end = .controlTransfer
                break
            }
            address += 4
        }
        return GuestBasicBlock(
            startAddress: pc, instructions: instructions, addresses: addresses, end: end,
            fallThroughAddress: address)
    }

    /// The target of `jal`, or of `jalr` whose base register the previous
    /// instruction set with `auipc`; nil for any other instruction.
    static func directTarget(
        of instruction: Instruction, at address: UInt64, _ instructions: [Instruction], _ addresses: [UInt64]
    ) -> UInt64? {
        switch instruction.opcode {
        case .jal:
            return address &+ UInt64(bitPattern: instruction.imm)
        case .jalr:
            guard instructions.count >= 2, instruction.rs1 != 0 else { return nil }
            let previous = instructions[instructions.count - 2]
            guard previous.opcode == .auipc, previous.rd == instruction.rs1 else { return nil }
            let base = addresses[addresses.count - 2] &+ UInt64(bitPattern: previous.imm)
            return (base &+ UInt64(bitPattern: instruction.imm)) & ~1
        default:
            return nil
        }
    }
}
