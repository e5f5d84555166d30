;; Random 4 KiB reads: the file is written untimed in 1 MiB blocks, then
;; `ops` reads at pseudo-random 4 KiB-aligned offsets are timed (O_DIRECT when
;; the host can). run(fileBytes, ops) -> operations per second.
(module
  (import "vboom" "now_us" (func $now (result f64)))
  (import "vboom" "disk_write" (func $write (param i32 i32 f64) (result i32)))
  (import "vboom" "disk_read" (func $read (param i32 i32 f64) (result i32)))
  (import "vboom" "disk_sync" (func $sync (result i32)))
  (memory (export "memory") 16 16)
  (func (export "run") (param $fileBytes f64) (param $ops f64) (result f64)
    (local $off f64) (local $blocks i32) (local $n i32) (local $i i32) (local $x i32)
    (local $t0 f64) (local $elapsed f64)
    (local.set $blocks (i32.trunc_sat_f64_u (f64.div (local.get $fileBytes) (f64.const 4096))))
    (local.set $n (i32.trunc_sat_f64_u (local.get $ops)))
    (if (i32.eqz (local.get $blocks)) (then unreachable))
    (memory.fill (i32.const 0) (i32.const 0x3c) (i32.const 1048576))
    (block $written
      (loop $fill
        (br_if $written (f64.ge (local.get $off) (local.get $fileBytes)))
        (drop (call $write (i32.const 0) (i32.const 1048576) (local.get $off)))
        (local.set $off (f64.add (local.get $off) (f64.const 1048576)))
        (br $fill)))
    (drop (call $sync))
    (local.set $x (i32.const 12345))
    (local.set $t0 (call $now))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        ;; LCG (Numerical Recipes constants); high bits pick the block
        (local.set $x (i32.add (i32.mul (local.get $x) (i32.const 1664525)) (i32.const 1013904223)))
        (if (i32.ne (call $read (i32.const 0) (i32.const 4096)
              (f64.mul (f64.convert_i32_u (i32.rem_u (i32.shr_u (local.get $x) (i32.const 8)) (local.get $blocks)))
                       (f64.const 4096)))
            (i32.const 4096))
          (then unreachable))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.set $elapsed (f64.sub (call $now) (local.get $t0)))
    (if (f64.le (local.get $elapsed) (f64.const 0)) (then unreachable))
    (f64.div (f64.convert_i32_u (local.get $n)) (f64.div (local.get $elapsed) (f64.const 1e6)))))
