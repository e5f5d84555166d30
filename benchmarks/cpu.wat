;; CPU: integer ALU throughput. xorshift32 feeding an FNV-1a style multiply
;; hash; no memory traffic, so the score is the core's speed (and its share of
;; it). run(iterations) -> iterations per second.
(module
  (import "vboom" "now_us" (func $now (result f64)))
  ;; Keeps the hash observable so the loop cannot be optimised away.
  (global $sink (export "sink") (mut i32) (i32.const 0))
  (func (export "run") (param $iterations f64) (result f64)
    (local $n i32) (local $i i32) (local $x i32) (local $h i32)
    (local $t0 f64) (local $elapsed f64)
    (local.set $n (i32.trunc_sat_f64_u (local.get $iterations)))
    (local.set $x (i32.const 0x9e3779b9))
    (local.set $h (i32.const 0x811c9dc5))
    (local.set $t0 (call $now))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        ;; x ^= x << 13; x ^= x >>> 17; x ^= x << 5
        (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 13))))
        (local.set $x (i32.xor (local.get $x) (i32.shr_u (local.get $x) (i32.const 17))))
        (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 5))))
        ;; h = (h ^ x) * FNV prime
        (local.set $h (i32.mul (i32.xor (local.get $h) (local.get $x)) (i32.const 16777619)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.set $elapsed (f64.sub (call $now) (local.get $t0)))
    (global.set $sink (local.get $h))
    ;; A loop too short for the clock to see is a bad parameter, not a fast CPU.
    (if (f64.le (local.get $elapsed) (f64.const 0)) (then unreachable))
    (f64.div (f64.convert_i32_u (local.get $n)) (f64.div (local.get $elapsed) (f64.const 1e6)))))
