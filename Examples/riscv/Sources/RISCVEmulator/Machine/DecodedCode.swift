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

    /// At most this many bytes of code (the cache takes four times as much).
    static let maximumCodeSize: UInt64 = 64 << 20

    /// Covers the file-backed part of the executable segments: code past a
    /// segment's file contents would be zero bytes, which are illegal anyway.
    init(image: ELFImage) throws(MachineSetupError) {
        let code = image.segments.filter(\.isExecutable)
        // ELFImage guarantees the entry lies in an executable segment.
        let low = (code.map(\.virtualAddress).min() ?? 0) & ~3
        let high = code.map { $0.virtualAddress + UInt64($0.contents.count) }.max() ?? low
        guard high - low <= Self.maximumCodeSize else {
            throw .codeTooLarge(bytes: high - low, limit: Self.maximumCodeSize)
        }
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

    /// The executable address range instructions are fetched from.
    var range: Range<UInt64> { start..<start + byteCount }

    /// Forgets every decoded instruction (`fence.i`).
    func invalidateAll() {
        isDecoded.update(repeating: 0, count: max(wordCount, 1))
    }
}
