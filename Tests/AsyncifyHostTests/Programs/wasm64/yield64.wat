;; A memory64 module instrumented BY HAND the way Binaryen's Asyncify pass
;; instruments wasm64 code (docs/Asyncify.md): Binaryen 108 refuses memory64
;; input, so this is how the host's 24-byte asyncify_data_t (u64 position at
;; +0, u64 end at +8, rewind id at +16) is exercised. Rebuild: ./build.sh.
;;
;; run(x) = x * 10 + yield_value(x); yield_value is async.
(module
  (import "env" "yield_value" (func $yield_value (param i32) (result i32)))
  (memory (export "memory") i64 1)
  (global $state (mut i32) (i32.const 0))
  (global $data (mut i64) (i64.const 0))

  ;; Binaryen's start/stop functions: set state and data, trap if position > end.
  (func $check
    (if (i64.gt_u (i64.load (global.get $data)) (i64.load offset=8 (global.get $data)))
      (then unreachable)))
  (func (export "asyncify_start_unwind") (param $p i64)
    (global.set $state (i32.const 1))
    (global.set $data (local.get $p))
    (call $check))
  (func (export "asyncify_stop_unwind")
    (global.set $state (i32.const 0))
    (call $check))
  (func (export "asyncify_start_rewind") (param $p i64)
    (global.set $state (i32.const 2))
    (global.set $data (local.get $p))
    (call $check))
  (func (export "asyncify_stop_rewind")
    (global.set $state (i32.const 0))
    (call $check))
  (func (export "asyncify_get_state") (result i32) (global.get $state))

  ;; Frame: [i32 call-site index 0][i32 x][i32 acc], 12 bytes.
  (func (export "run") (param $x i32) (result i32)
    (local $acc i32) (local $r i32) (local $pos i64)
    (if (i32.eq (global.get $state) (i32.const 2))
      (then
        (local.set $pos (i64.sub (i64.load (global.get $data)) (i64.const 12)))
        (i64.store (global.get $data) (local.get $pos))
        (local.set $x (i32.load offset=4 (local.get $pos)))
        (local.set $acc (i32.load offset=8 (local.get $pos)))))
    (if (i32.eqz (global.get $state))
      (then (local.set $acc (i32.mul (local.get $x) (i32.const 10)))))
    (local.set $r (call $yield_value (local.get $x)))
    (if (i32.eq (global.get $state) (i32.const 1))
      (then
        (local.set $pos (i64.load (global.get $data)))
        (i32.store (local.get $pos) (i32.const 0))
        (i32.store offset=4 (local.get $pos) (local.get $x))
        (i32.store offset=8 (local.get $pos) (local.get $acc))
        (i64.store (global.get $data) (i64.add (local.get $pos) (i64.const 12)))
        (return (i32.const 0))))
    (i32.add (local.get $acc) (local.get $r))))
