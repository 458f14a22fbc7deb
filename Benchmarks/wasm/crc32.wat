;; Memory-heavy kernel: fill n bytes with an LCG stream, then CRC-32 them
;; byte by byte with a 256-entry table kept in linear memory.
(module
  (memory (export "memory") 260)
  (func $table
    (local $i i32) (local $c i32) (local $k i32)
    (loop $entries
      (local.set $c (local.get $i))
      (local.set $k (i32.const 8))
      (loop $bits
        (local.set $c
          (if (result i32) (i32.and (local.get $c) (i32.const 1))
            (then (i32.xor (i32.const 0xEDB88320) (i32.shr_u (local.get $c) (i32.const 1))))
            (else (i32.shr_u (local.get $c) (i32.const 1)))))
        (br_if $bits (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))
      (i32.store (i32.shl (local.get $i) (i32.const 2)) (local.get $c))
      (br_if $entries (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 256)))))
  (func $fill (param $n i32)
    (local $p i32) (local $s i32)
    (local.set $p (i32.const 1024))
    (local.set $s (i32.const 12345))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (i32.add (local.get $n) (i32.const 1024))))
        (local.set $s (i32.add (i32.mul (local.get $s) (i32.const 1103515245)) (i32.const 12345)))
        (i32.store8 (local.get $p) (i32.shr_u (local.get $s) (i32.const 16)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $next))))
  (func (export "crc32") (param $n i32) (result i32)
    (local $p i32) (local $end i32) (local $c i32)
    (call $table)
    (call $fill (local.get $n))
    (local.set $c (i32.const -1))
    (local.set $p (i32.const 1024))
    (local.set $end (i32.add (local.get $n) (i32.const 1024)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $c
          (i32.xor
            (i32.load
              (i32.shl
                (i32.and (i32.xor (local.get $c) (i32.load8_u (local.get $p))) (i32.const 0xFF))
                (i32.const 2)))
            (i32.shr_u (local.get $c) (i32.const 8))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $next)))
    (i32.xor (local.get $c) (i32.const -1))))
