#include "NativeSwitch.h"
int native_switch_placeholder(void) { return 0; }
