#ifndef NATIVE_SWITCH_H
#define NATIVE_SWITCH_H
/// Native context-switch baselines for switch-bench (never used by the product).
int native_switch_placeholder(void);
#endif
