/// A reference softmmu: one contiguous guest RAM region mapped into linear
/// memory, with the slow-path helpers `qemu_ld`/`qemu_st` that refill the
/// software TLB (layout in ``TBContextLayout`` / ``TBSoftTLB``).
///
/// The slow path, for an access of `size` bytes at guest address `a`:
/// 1. fail with ``TBGuestFault`` unless `[a, a + size)` lies inside the region;
/// 2. if the whole page of `a` lies inside the region, write its TLB entry
///    (`addr_read = addr_write = a & pageMask`, `addend = hostBase - guestBase`;
///    `addr_write` stays invalid on a page overlapping ``writeProtected``);
/// 3. perform the access at `a + hostBase - guestBase` (unaligned allowed).
///
/// The Wasm host (and the node harness in the tests) implement exactly these
/// steps, so the emitted code and the reference interpreter leave the same TLB
/// and memory behind.
public struct TBSoftMMU: Sendable {
    /// The linear memory.
    public var memory: TBMemory
    /// The first guest address of RAM.
    public var guestBase: UInt64
    /// The linear-memory address where guest RAM starts.
    public var hostBase: UInt64
    /// The size of guest RAM in bytes.
    public var byteCount: UInt64
    /// Guest addresses that may be read but not written through the TLB (empty
    /// by default): ``fillTLB(at:for:)`` maps a page overlapping them for loads
    /// only, so every store into it takes the slow path. An emulator protects
    /// the guest code it translated this way and, in its own `qemu_st`,
    /// notices a store that rewrites that code (self-modifying code).
    public var writeProtected: Range<UInt64> = 0..<0

    /// Describes a guest RAM region.
    public init(memory: TBMemory, guestBase: UInt64, hostBase: UInt64, byteCount: UInt64) {
        self.memory = memory
        self.guestBase = guestBase
        self.hostBase = hostBase
        self.byteCount = byteCount
    }

    /// The TLB addend of the region: host address = guest address + addend.
    public var addend: UInt64 { hostBase &- guestBase }

    /// Writes a context record at `ctx` (env, TLB pointer, `next_tb = 0`,
    /// `do_init = 1`) and invalidates every TLB entry.
    public static func initializeContext(
        memory: TBMemory, at ctx: UInt64, env: UInt64, tlb: UInt64
    ) throws(TBTrap) {
        try memory.store(.u64, env, at: ctx, offset: TBContextLayout.envOffset)
        try memory.store(.u64, tlb, at: ctx, offset: TBContextLayout.tlbOffset)
        try memory.store(.u64, 0, at: ctx, offset: TBContextLayout.nextTBOffset)
        try memory.store(.u64, 1, at: ctx, offset: TBContextLayout.doInitOffset)
        try flushTLB(memory: memory, at: tlb)
    }

    /// Invalidates every entry of the TLB at `tlb`.
    public static func flushTLB(memory: TBMemory, at tlb: UInt64) throws(TBTrap) {
        for e in 0..<TBSoftTLB.entryCount {
            let entry = tlb + e * TBSoftTLB.entrySize
            try memory.store(.u64, TBSoftTLB.invalidTag, at: entry, offset: TBSoftTLB.addrReadOffset)
            try memory.store(.u64, TBSoftTLB.invalidTag, at: entry, offset: TBSoftTLB.addrWriteOffset)
            try memory.store(.u64, 0, at: entry, offset: TBSoftTLB.addendOffset)
            try memory.store(.u64, 0, at: entry, offset: 24)
        }
    }

    /// The linear-memory address of the `byteCount` bytes at guest `address`,
    /// or nil unless all of them lie in guest RAM.
    @inline(__always)
    public func hostAddress(of address: UInt64, byteCount: Int) -> UInt64? {
        let rel = address &- guestBase
        guard rel <= self.byteCount, self.byteCount - rel >= UInt64(byteCount) else { return nil }
        return address &+ addend
    }

    /// Whether the page starting at `page` overlaps ``writeProtected``.
    public func isWriteProtected(page: UInt64) -> Bool {
        !writeProtected.isEmpty && page < writeProtected.upperBound
            && page &+ TBSoftTLB.pageSize > writeProtected.lowerBound
    }

    /// Refills the TLB entry for the page of `address` in the TLB at `tlb`
    /// (step 2 of the slow path): when the whole page is guest RAM, the entry
    /// maps it for loads, and for stores unless it overlaps ``writeProtected``
    /// (then `addr_write` stays invalid, so every store to the page comes back
    /// to the slow path). A page partly outside RAM gets no entry.
    public func fillTLB(at tlb: UInt64, for address: UInt64) throws(TBTrap) {
        let page = address & TBSoftTLB.pageMask
        guard hostAddress(of: page, byteCount: Int(TBSoftTLB.pageSize)) != nil else { return }
        let entry = tlb &+ TBSoftTLB.entryOffset(for: address)
        try memory.store(.u64, page, at: entry, offset: TBSoftTLB.addrReadOffset)
        try memory.store(
            .u64, isWriteProtected(page: page) ? TBSoftTLB.invalidTag : page, at: entry,
            offset: TBSoftTLB.addrWriteOffset)
        try memory.store(.u64, addend, at: entry, offset: TBSoftTLB.addendOffset)
    }

    private func translate(_ ctx: UInt64, _ address: UInt64, _ access: TBMemAccess) throws -> UInt64 {
        guard let host = hostAddress(of: address, byteCount: access.byteCount) else {
            throw TBGuestFault(.outsideGuestRAM, address: address, byteCount: access.byteCount)
        }
        try fillTLB(at: try memory.load(.u64, at: ctx, offset: TBContextLayout.tlbOffset), for: address)
        return host
    }

    /// `qemu_ld(ctx, address, memop) -> value`.
    public func loadSlowPath(_ args: TBHelperArguments) throws -> UInt64 {
        guard let access = TBMemAccess(memop: args[2]) else {
            throw TBGuestFault(.invalidMemop(args[2]), address: args[1], byteCount: 0)
        }
        return try memory.load(access, at: try translate(args[0], args[1], access))
    }

    /// `qemu_st(ctx, address, value, memop)`; returns 0.
    public func storeSlowPath(_ args: TBHelperArguments) throws -> UInt64 {
        guard let access = TBMemAccess(memop: args[3]), !access.isSigned else {
            throw TBGuestFault(.invalidMemop(args[3]), address: args[1], byteCount: 0)
        }
        try memory.store(access, args[2], at: try translate(args[0], args[1], access))
        return 0
    }

    /// The two slow-path helpers by name, ready to merge into a helper table.
    public var helpers: [String: TBHelperFunction] {
        let mmu = self
        return [
            TBHelperSignature.guestLoadSlowPath.name: { try mmu.loadSlowPath($0) },
            TBHelperSignature.guestStoreSlowPath.name: { try mmu.storeSlowPath($0) },
        ]
    }
}

/// A guest memory access the softmmu cannot serve (the guest's page fault).
public struct TBGuestFault: Error, Sendable, Hashable, CustomStringConvertible {
    /// Why the access failed.
    public enum Reason: Sendable, Hashable {
        /// `[address, address + byteCount)` is not inside guest RAM.
        case outsideGuestRAM
        /// The slow-path helper got a memop that names no access (or a signed store).
        case invalidMemop(UInt64)
    }

    /// Why the access failed.
    public var reason: Reason
    /// The guest address.
    public var address: UInt64
    /// The access size in bytes (0 when the memop was invalid).
    public var byteCount: Int

    /// Creates a fault record.
    public init(_ reason: Reason, address: UInt64, byteCount: Int) {
        self.reason = reason
        self.address = address
        self.byteCount = byteCount
    }

    /// The access, its address and the reason, in words.
    public var description: String {
        let place = "guest access of \(byteCount) bytes at 0x\(String(address, radix: 16))"
        switch reason {
        case .outsideGuestRAM: return "\(place): outside guest RAM"
        case .invalidMemop(let memop): return "\(place): invalid memop \(memop)"
        }
    }
}
