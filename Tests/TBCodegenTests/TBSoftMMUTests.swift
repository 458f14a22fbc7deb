import TBCodegen
import Testing

/// The softmmu's TLB refill: which pages get an entry, and which of them may
/// be written through it.
@Suite struct TBSoftMMUTests {
    /// The TLB entry for guest `address`: (addr_read, addr_write, addend).
    func entry(_ t: TestMemory, _ address: UInt64) throws -> (UInt64, UInt64, UInt64) {
        let at = TestMemory.tlb + TBSoftTLB.entryOffset(for: address)
        return (
            try t.load(.u64, at + TBSoftTLB.addrReadOffset), try t.load(.u64, at + TBSoftTLB.addrWriteOffset),
            try t.load(.u64, at + TBSoftTLB.addendOffset)
        )
    }

    @Test func hostAddressCoversExactlyGuestRAM() {
        let mmu = TestMemory().mmu
        let base = TestMemory.ramGuest
        let end = base + TestMemory.ramSize
        #expect(mmu.hostAddress(of: base, byteCount: 8) == TestMemory.ramHost)
        #expect(mmu.hostAddress(of: end - 4, byteCount: 4) == TestMemory.ramHost + TestMemory.ramSize - 4)
        #expect(mmu.hostAddress(of: end - 4, byteCount: 5) == nil)
        #expect(mmu.hostAddress(of: end, byteCount: 1) == nil)
        #expect(mmu.hostAddress(of: base - 1, byteCount: 2) == nil)
        #expect(mmu.hostAddress(of: UInt64.max, byteCount: 2) == nil)
    }

    /// A range straddling the boundary of pages 1 and 2 protects both of them
    /// (and only them): loads map, stores stay on the slow path.
    @Test func writeProtectedPagesAreMappedForLoadsOnly() throws {
        let t = TestMemory()
        try t.initializeContext()
        var mmu = t.mmu
        let base = TestMemory.ramGuest
        mmu.writeProtected = (base + 0x1FFC)..<(base + 0x2004)
        let addend = TestMemory.ramHost &- TestMemory.ramGuest
        for page: UInt64 in 0..<4 {
            let address = base + page * TBSoftTLB.pageSize + 0x18
            try mmu.fillTLB(at: TestMemory.tlb, for: address)
            let (read, write, entryAddend) = try entry(t, address)
            let pageAddress = base + page * TBSoftTLB.pageSize
            #expect(read == pageAddress)
            #expect(write == (page == 1 || page == 2 ? TBSoftTLB.invalidTag : pageAddress), "page \(page)")
            #expect(entryAddend == addend)
        }
    }

    /// The store slow path performs a store into a protected page, and the
    /// entry it leaves still sends the next store there.
    @Test func storeSlowPathStoresIntoAProtectedPageAndKeepsItUnwritable() throws {
        let t = TestMemory()
        try t.initializeContext()
        var mmu = t.mmu
        let address = TestMemory.ramGuest + 0x1010
        mmu.writeProtected = address..<(address + 4)
        _ = try mmu.storeSlowPath(
            TBHelperArguments([TestMemory.ctx, address, 0xDEAD_BEEF, TBMemAccess.u32.memop]))
        #expect(try t.load(.u32, TestMemory.ramHost + 0x1010) == 0xDEAD_BEEF)
        let (read, write, _) = try entry(t, address)
        #expect(read == TestMemory.ramGuest + 0x1000)
        #expect(write == TBSoftTLB.invalidTag)
    }

    /// A page that is only partly guest RAM gets no entry, so every access to
    /// it goes through the slow path's bounds check.
    @Test func aPagePartlyOutsideRAMGetsNoEntry() throws {
        let t = TestMemory()
        try t.initializeContext()
        let mmu = TBSoftMMU(
            memory: t.memory, guestBase: TestMemory.ramGuest, hostBase: TestMemory.ramHost, byteCount: 0x1800)
        let address = TestMemory.ramGuest + 0x1000
        try mmu.fillTLB(at: TestMemory.tlb, for: address)
        let (read, write, _) = try entry(t, address)
        #expect(read == TBSoftTLB.invalidTag)
        #expect(write == TBSoftTLB.invalidTag)
    }
}
