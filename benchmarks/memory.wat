;; Memory bandwidth: memory.copy of a buffer far larger than the CPU caches.
;; run(bufferBytes, rounds) -> MB/s (10^6 bytes), counted as STREAM counts a
;; copy: each byte read once and written once is 2 bytes moved.
(module
  (import "vboom" "now_us" (func $now (result f64)))
  ;; 2 x 32 MiB buffers need 1024 pages; the maximum bounds the module at 64 MiB + 1 page.
  (memory (export "memory") 1 1025)
  (func (export "run") (param $bufferBytes f64) (param $rounds f64) (result f64)
    (local $len i32) (local $n i32) (local $i i32) (local $pages i32)
    (local $t0 f64) (local $elapsed f64)
    (local.set $len (i32.trunc_sat_f64_u (local.get $bufferBytes)))
    (local.set $n (i32.trunc_sat_f64_u (local.get $rounds)))
    ;; source at 64 KiB, destination right after it
    (local.set $pages (i32.add (i32.const 1)
      (i32.div_u (i32.add (i32.mul (local.get $len) (i32.const 2)) (i32.const 65535)) (i32.const 65536))))
    (if (i32.gt_u (local.get $pages) (memory.size))
      (then (if (i32.eq (memory.grow (i32.sub (local.get $pages) (memory.size))) (i32.const -1))
        (then unreachable))))
    ;; touch both buffers once so page faults are not timed
    (memory.fill (i32.const 65536) (i32.const 0x5a) (local.get $len))
    (memory.fill (i32.add (i32.const 65536) (local.get $len)) (i32.const 0) (local.get $len))
    (local.set $t0 (call $now))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (memory.copy (i32.add (i32.const 65536) (local.get $len)) (i32.const 65536) (local.get $len))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.set $elapsed (f64.sub (call $now) (local.get $t0)))
    (if (f64.le (local.get $elapsed) (f64.const 0)) (then unreachable))
    (f64.div
      (f64.mul (f64.const 2) (f64.mul (f64.convert_i32_u (local.get $len)) (f64.convert_i32_u (local.get $n))))
      (local.get $elapsed))))
