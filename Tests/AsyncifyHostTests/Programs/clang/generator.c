// A plain clang-built module (no Emscripten runtime) instrumented with
// `wasm-opt --asyncify`: `env.yield_value` is async, so every call to it can
// unwind the whole stack to the host and be rewound later. `env.emit` is
// synchronous. The host provides both from Swift.
#define IMPORT(mod, name) __attribute__((import_module(mod), import_name(name)))
#define EXPORT(name) __attribute__((export_name(name)))

IMPORT("env", "yield_value") int yield_value(int value);
IMPORT("env", "emit") void emit(int value);

// Room for the host's Asyncify data (header + stack), exported by address.
static char asyncify_area[4096] __attribute__((aligned(16)));
EXPORT("asyncify_area") char *asyncify_area_ptr(void) { return asyncify_area; }
EXPORT("asyncify_area_size") int asyncify_area_size(void) { return sizeof asyncify_area; }

__attribute__((noinline)) static int squares(int depth, int n) {
  if (depth > 0) return squares(depth - 1, n) + 1;
  int sum = 0;
  for (int i = 1; i <= n; i++) {
    int woken = yield_value(i * i);  // unwinds; the host resumes us with a value
    sum += woken;
    emit(sum);
  }
  return sum;
}

EXPORT("run") int run(int depth, int n) { return squares(depth, n); }
