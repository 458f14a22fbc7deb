/// A lazily filled cache of decoded instructions over the program's executable
/// address range, shared by all harts.
///
/// Fetches outside the range fault (the guest's data and stacks are not
/// executable, as under Linux). A store into the range drops the cached
/// entries it overwrote, so self-modifying code is decoded afresh.
final class DecodedCode {
    /// Guest address of word 0 (4-byte aligned).
    let start: UInt64
    /// Size of the range in bytes (a multiple of 4).
    let byteCount: UInt64
    /// `instructions[i]` is valid when `isDecoded[i] != 0`.
    let instructions: UnsafeMutablePointer<Instruction>
    let isDecoded: UnsafeMutablePointer<UInt8>
    private let wordCount: Int

    init(image: ELFImage, memory: GuestMemory) {
        let code = image.segments.filter(\.isExecutable)
        // The ELF loader guarantees the entry lies in an executable segment.
        let low = code.map(\.virtualAddress).min()! & ~3
        let high = code.map(\.endAddress).max()!
        start = low
        wordCount = Int((high - low + 3) / 4)
        byteCount = UInt64(wordCount) * 4
        instructions = .allocate(capacity: max(wordCount, 1))
        instructions.initialize(repeating: Instruction(.fence), count: max(wordCount, 1))
        isDecoded = .allocate(capacity: max(wordCount, 1))
        isDecoded.initialize(repeating: 0, count: max(wordCount, 1))
    }

    deinit {
        instructions.deallocate()
        isDecoded.deallocate()
    }

    /// Forgets every decoded instruction (`fence.i`).
    func invalidateAll() {
        isDecoded.update(repeating: 0, count: max(wordCount, 1))
    }
}
