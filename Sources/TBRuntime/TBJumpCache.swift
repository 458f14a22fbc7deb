/// QEMU's `tb_jmp_cache`: a direct-mapped table of cache entries by guest pc in
/// front of the runtime's dictionary.
///
/// The cpu loop looks a TB up on every run, and hashing the pc for the
/// dictionary was about 200 host instructions of each (callgrind, `riscv-demo
/// run --engine native --threshold 0 bench.elf`); a slot compare is a few. A
/// miss falls back to the dictionary and fills the slot.
///
/// The slots do not own their entries: the runtime's dictionary does, and
/// ``TBRuntime/install(_:)``, the only place that drops an entry from it,
/// overwrites the slot of that pc with the new entry. The runtime frees the
/// table in its `deinit`.
package struct TBJumpCache {
    /// Slots: a power of two. 4096 x 16 bytes; a guest's hot working set is
    /// usually a few hundred TBs at most.
    package static let slotCount = 4096

    private let pcs: UnsafeMutablePointer<UInt64>
    private let entries: UnsafeMutablePointer<Unmanaged<TBCacheEntry>?>

    init() {
        pcs = .allocate(capacity: Self.slotCount)
        pcs.initialize(repeating: 0, count: Self.slotCount)
        entries = .allocate(capacity: Self.slotCount)
        entries.initialize(repeating: nil, count: Self.slotCount)
    }

    func deallocate() {
        pcs.deallocate()
        entries.deallocate()
    }

    /// The slot of `pc`: instruction addresses are at least 2-byte aligned on
    /// most guests, and the upper bits spread loops that sit 4 KiB apart.
    @inline(__always)
    package static func slot(_ pc: UInt64) -> Int {
        Int(truncatingIfNeeded: (pc >> 1) ^ (pc >> 13)) & (slotCount - 1)
    }

    /// The entry cached for `pc`, if its slot holds it.
    @inline(__always)
    func entry(at pc: UInt64) -> TBCacheEntry? {
        let i = Self.slot(pc)
        guard pcs[i] == pc, let entry = entries[i] else { return nil }
        return entry.takeUnretainedValue()
    }

    /// Puts `entry` into the slot of `pc` (evicting whatever was there).
    @inline(__always)
    func remember(_ entry: TBCacheEntry, at pc: UInt64) {
        let i = Self.slot(pc)
        pcs[i] = pc
        entries[i] = .passUnretained(entry)
    }
}
