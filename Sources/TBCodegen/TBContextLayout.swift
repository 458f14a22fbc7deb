// The memory layout shared by the emitted Wasm, the reference interpreter
// and the host: the context record a TB function receives, and the software
// TLB it consults for guest memory.
//
// Context record (`ctx`, the TB function's only parameter, an i64 address in
// the shared linear memory; 32 bytes, 8-byte aligned):
//
//   +0   u64  env       address of the CPU state; `ld`/`st` ops access env + offset
//   +8   u64  tlb       address of the software TLB (below)
//   +16  u64  next_tb   written when the TB leaves: 0 after exit_tb, else the guest pc
//                       to continue at (goto_tb/goto_ptr to another TB)
//   +24  u32  do_init   1 = start at block 0 (set by the host's call_wasm_tb before a
//                       normal entry); the prologue clears it. 0 = resume at BLOCK_IDX.
//   +28  u32  (reserved, zero)
//
// Software TLB (direct-mapped, QEMU softmmu shape): `entryCount` entries of
// 32 bytes each:
//
//   +0   u64  addr_read   page address valid for loads (all ones = invalid)
//   +8   u64  addr_write  page address valid for stores (all ones = invalid)
//   +16  u64  addend      host address = guest address + addend
//   +24  u64  (reserved)
//
// Lookup of an access of `size` bytes at guest address `a`:
//   index = (a >> pageBits) & (entryCount - 1)
//   hit   = (a & (pageMask | (size - 1))) == entry.addr_read (or addr_write)
// Folding the low `size - 1` bits into the compare sends every unaligned
// access to the slow path, so a fast-path access never crosses a page.
// On a hit the access goes to `a + addend` inline; on a miss the slow-path
// helper (`qemu_ld(ctx, a, memop)` / `qemu_st(ctx, a, value, memop)`) is
// called; it performs the access and may refill the entry.

/// Offsets of the context record a TB function receives (see the file header).
package enum TBContextLayout {
    /// `u64` address of the CPU state (`env`).
    package static let envOffset: UInt64 = 0
    /// `u64` address of the software TLB.
    package static let tlbOffset: UInt64 = 8
    /// `u64` guest pc of the next TB, 0 when the TB exited.
    package static let nextTBOffset: UInt64 = 16
    /// `u32` flag: 1 makes the TB start at block 0 (and is cleared by the TB).
    package static let doInitOffset: UInt64 = 24
    /// The record's size in bytes.
    package static let size: UInt64 = 32
}

/// The geometry of the software TLB (see the file header of `TBContextLayout.swift`).
package enum TBSoftTLB {
    /// log2 of the guest page size.
    package static let pageBits: UInt64 = 12
    /// The guest page size in bytes.
    package static let pageSize: UInt64 = 1 << pageBits
    /// The mask that keeps the page address: `~(pageSize - 1)`.
    package static let pageMask: UInt64 = ~(pageSize - 1)
    /// The number of entries (a power of two).
    package static let entryCount: UInt64 = 256
    /// The size of one entry in bytes.
    package static let entrySize: UInt64 = 32
    /// The table's size in bytes.
    package static let byteCount: UInt64 = entryCount * entrySize
    /// Offset of `addr_read` in an entry.
    package static let addrReadOffset: UInt64 = 0
    /// Offset of `addr_write` in an entry.
    package static let addrWriteOffset: UInt64 = 8
    /// Offset of `addend` in an entry.
    package static let addendOffset: UInt64 = 16
    /// The tag of an invalid entry.
    package static let invalidTag: UInt64 = UInt64.max

    /// The byte offset of the entry for `address` within the table.
    @inline(__always)
    package static func entryOffset(for address: UInt64) -> UInt64 {
        ((address &>> pageBits) & (entryCount - 1)) &* entrySize
    }

    /// The value compared with the entry's tag for an access of `byteCount` bytes.
    @inline(__always)
    package static func comparator(for address: UInt64, byteCount: Int) -> UInt64 {
        address & (pageMask | UInt64(byteCount - 1))
    }
}
