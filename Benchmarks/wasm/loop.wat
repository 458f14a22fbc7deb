;; Tight integer loop: sum of (i*i mod 7919) for i in [0, n), on i64.
(module
  (func (export "sumsq") (param $n i32) (result i64)
    (local $i i32) (local $sum i64) (local $x i64)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $x (i64.extend_i32_u (local.get $i)))
        (local.set $sum
          (i64.add (local.get $sum) (i64.rem_u (i64.mul (local.get $x) (local.get $x)) (i64.const 7919))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $sum)))
