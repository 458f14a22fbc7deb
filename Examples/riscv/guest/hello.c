#include "rt.h"

int main(void) {
    put_str("Hello, RISC-V!\n");
    return 0;
}
