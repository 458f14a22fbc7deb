/* CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320) with a table built at
   run time: the check value of "123456789" (cbf43926), then CRCs over a
   16 KiB buffer filled by a 64-bit LCG, whole and in prefixes. Exits with
   the low 7 bits of the big CRC. */
#include "rt.h"

#define SIZE 16384
static u32 table[256];
static u8 buffer[SIZE];

static void make_table(void) {
    for (u32 n = 0; n < 256; n++) {
        u32 c = n;
        for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        table[n] = c;
    }
}

static u32 crc32(const u8 *p, u64 len) {
    u32 c = 0xFFFFFFFFu;
    for (u64 i = 0; i < len; i++) c = table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

static void report(const char *label, u32 crc) {
    put_str(label);
    put_str(": ");
    put_hex(crc, 8);
    put_char('\n');
}

int main(void) {
    make_table();
    report("crc32(\"123456789\")", crc32((const u8 *)"123456789", 9));
    u64 x = 0x243F6A8885A308D3ul;
    for (u64 i = 0; i < SIZE; i++) {
        x = x * 6364136223846793005ul + 1442695040888963407ul;
        buffer[i] = (u8)(x >> 56);
    }
    report("crc32(buffer[0..<1])", crc32(buffer, 1));
    report("crc32(buffer[0..<1000])", crc32(buffer, 1000));
    u32 whole = crc32(buffer, SIZE);
    report("crc32(buffer[0..<16384])", whole);
    return (int)(whole & 0x7F);
}
