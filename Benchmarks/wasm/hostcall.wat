;; Call-heavy host-import loop: n calls of a cheap host function. The import is
;; WASI's args_sizes_get so that `wasmkit run` provides it natively (it links
;; WASI only for a command module, hence `_start`, which makes 2*10^6 calls); our
;; benchmark provides a Swift function with the same effect (two i32 stores).
(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $sizes (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "hostcalls") (param $n i32) (result i32)
    (local $i i32) (local $acc i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $acc (i32.add (local.get $acc) (call $sizes (i32.const 16) (i32.const 20))))
        (local.set $acc (i32.add (local.get $acc) (i32.load (i32.const 16))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $acc))
  (func (export "_start")
    (drop (call 1 (i32.const 2000000)))))
