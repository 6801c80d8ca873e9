// Ops that do not qualify are refused, naming the op; nothing is rewritten.
// RUN: not attn-opt %s --attn-replace-softmax="mode=streaming window=8" 2>&1 | FileCheck %s --check-prefix=STREAM
// STREAM: error: attn.attention #1 has pattern #attn.dense; mode=streaming turns causal attention into a window (run --attn-infer-pattern first if causality is in a mask)
// RUN: not attn-opt %s --attn-replace-softmax="mode=sink sinks=arg ops=0" 2>&1 | FileCheck %s --check-prefix=USES
// USES: error: attn.attention #0: sinks=arg would add an argument to @called, which has uses in the module
// RUN: not attn-opt %s --attn-replace-softmax="mode=relu heads=7" 2>&1 | FileCheck %s --check-prefix=HEADS
// HEADS: error: attn.attention #0: 'heads' selects head 7 but Hq = 2
// RUN: not attn-opt %s --attn-replace-softmax="mode=calibrate gamma=2 columns=9" 2>&1 | FileCheck %s --check-prefix=COLUMNS
// COLUMNS: error: attn.attention #0: 'columns' selects key 9 but Lk = 8
// RUN: not attn-opt %s --attn-replace-softmax="mode=relu heads=0 ops=1" 2>&1 | FileCheck %s --check-prefix=DYN
// DYN: error: attn.attention #1 has a dynamic number of heads, which per-head values need
// RUN: rm -rf %t && mkdir -p %t
// RUN: attn-run %s --entry=three --output-dir=%t
// RUN: attn-run %s --entry=rows --output-dir=%t
// RUN: not attn-opt %s --attn-replace-softmax="mode=sink sinks=%t/three.result0.npy" 2>&1 | FileCheck %s --check-prefix=SINKHQ
// SINKHQ: error: attn.attention #0 has Hq = 2 but 'sinks' {{.*}}three.result0.npy has 3 values per op
// RUN: not attn-opt %s --attn-replace-softmax="mode=sink sinks=%t/rows.result0.npy" 2>&1 | FileCheck %s --check-prefix=SINKROWS
// SINKROWS: error: attn.attention #0: 'sinks' {{.*}}rows.result0.npy has 3 rows but 2 ops are selected
// RUN: not attn-opt %s --attn-replace-softmax="mode=calibrate gamma=%t/three.result0.npy" 2>&1 | FileCheck %s --check-prefix=GAMMAHQ
// GAMMAHQ: error: attn.attention #0 has Hq = 2 but 'gamma' {{.*}}three.result0.npy has 3 values

// Bad options are refused before anything is looked at.
// RUN: not attn-opt %s --attn-replace-softmax 2>&1 | FileCheck %s --check-prefix=NOMODE
// NOMODE: error: attn-replace-softmax: 'mode' is required: one of sink, softmax1, relu, sigmoid, softplus-l1, streaming, calibrate, calibrate-sinks
// RUN: not attn-opt %s --attn-replace-softmax="mode=calibrate-sinks factor=0.5" 2>&1 | FileCheck %s --check-prefix=ALPHA
// ALPHA: error: attn-replace-softmax: mode=calibrate-sinks needs 'threshold' > 0, got ''
// RUN: not attn-opt %s --attn-replace-softmax="mode=calibrate-sinks threshold=3 factor=x" 2>&1 | FileCheck %s --check-prefix=BETA
// BETA: error: attn-replace-softmax: mode=calibrate-sinks needs 'factor' >= 0, got 'x'
// RUN: not attn-opt %s --attn-replace-softmax="mode=relu threshold=3" 2>&1 | FileCheck %s --check-prefix=NOTACT
// NOTACT: error: attn-replace-softmax: option 'threshold' does not apply to mode=relu
// RUN: not attn-opt %s --attn-replace-softmax="mode=softmax2" 2>&1 | FileCheck %s --check-prefix=MODE
// MODE: error: attn-replace-softmax: unknown mode 'softmax2': one of
// RUN: not attn-opt %s --attn-replace-softmax="mode=sink" 2>&1 | FileCheck %s --check-prefix=NOSINKS
// NOSINKS: error: attn-replace-softmax: mode=sink needs 'sinks': a .npy of sink logits or 'arg'
// RUN: not attn-opt %s --attn-replace-softmax="mode=sink sinks=%t/missing.npy" 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: error: attn-replace-softmax: cannot read 'sinks': {{.*}}missing.npy: cannot open
// Files named by options are bounded (256 MiB) and must be regular files.
// RUN: not attn-opt %s --attn-replace-softmax="mode=sink sinks=/dev/zero" 2>&1 | FileCheck %s --check-prefix=DEVZERO
// DEVZERO: error: attn-replace-softmax: cannot read 'sinks': /dev/zero: not a regular file (devices, pipes and directories are refused)
// RUN: not attn-opt %s --attn-replace-softmax="mode=calibrate gamma=/dev/zero" 2>&1 | FileCheck %s --check-prefix=GAMMAZERO
// GAMMAZERO: error: attn-replace-softmax: cannot read 'gamma': /dev/zero: not a regular file
// RUN: rm -f %t/huge.npy && truncate -s 300M %t/huge.npy
// RUN: not attn-opt %s --attn-replace-softmax="mode=sink sinks=%t/huge.npy" 2>&1 | FileCheck %s --check-prefix=HUGE
// HUGE: error: attn-replace-softmax: cannot read 'sinks': {{.*}}huge.npy: 314572800 bytes, more than the limit of 268435456 bytes
// RUN: not attn-opt %s --attn-replace-softmax="mode=relu norm=l2" 2>&1 | FileCheck %s --check-prefix=NORM
// NORM: error: attn-replace-softmax: unknown norm 'l2', expected one of seq_len, visible, none
// RUN: not attn-opt %s --attn-replace-softmax="mode=sigmoid bias=abc" 2>&1 | FileCheck %s --check-prefix=BIAS
// BIAS: error: attn-replace-softmax: 'bias' must be a finite f32 number, got 'abc'
// RUN: not attn-opt %s --attn-replace-softmax="mode=sigmoid bias=1e39" 2>&1 | FileCheck %s --check-prefix=BIGBIAS
// BIGBIAS: error: attn-replace-softmax: 'bias' must be a finite f32 number, got '1e39'
// RUN: not attn-opt %s --attn-replace-softmax="mode=softplus-l1 train-len=1" 2>&1 | FileCheck %s --check-prefix=TRAIN
// TRAIN: error: attn-replace-softmax: 'train-len' must be at least 2, got 1
// RUN: not attn-opt %s --attn-replace-softmax="mode=streaming" 2>&1 | FileCheck %s --check-prefix=WINDOW
// WINDOW: error: attn-replace-softmax: mode=streaming needs 'window' >= 0
// RUN: not attn-opt %s --attn-replace-softmax="mode=streaming window=4 sinks=x" 2>&1 | FileCheck %s --check-prefix=SSINKS
// SSINKS: error: attn-replace-softmax: mode=streaming: 'sinks' must be a non-negative integer, got 'x'
// RUN: not attn-opt %s --attn-replace-softmax="mode=calibrate" 2>&1 | FileCheck %s --check-prefix=NOGAMMA
// NOGAMMA: error: attn-replace-softmax: mode=calibrate needs 'gamma': a number or a .npy of Hq
// RUN: not attn-opt %s --attn-replace-softmax="mode=calibrate gamma=-1" 2>&1 | FileCheck %s --check-prefix=GAMMA
// GAMMA: error: attn-replace-softmax: 'gamma' must be finite and >= 0, got -1
// RUN: not attn-opt %s --attn-replace-softmax="mode=relu window=3" 2>&1 | FileCheck %s --check-prefix=UNUSED
// UNUSED: error: attn-replace-softmax: option 'window' does not apply to mode=relu
// RUN: not attn-opt %s --attn-replace-softmax="mode=relu ops=5" 2>&1 | FileCheck %s --check-prefix=OPS
// OPS: error: attn-replace-softmax: 'ops' selects op 5 but the module has 2 attn.attention ops
// RUN: not attn-opt %s --attn-replace-softmax="mode=relu heads=1-0" 2>&1 | FileCheck %s --check-prefix=RANGE
// RANGE: error: attn-replace-softmax: 'heads' range '1-0' must be 'first-last' with first <= last

func.func @called(%q: tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32> {
  %o = attn.attention %q, %q, %q {pattern = #attn.causal} : tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32> -> tensor<1x2x8x8xf32>
  return %o : tensor<1x2x8x8xf32>
}
func.func @caller(%q: tensor<1x2x8x8xf32>, %d: tensor<1x?x8x8xf32>) -> tensor<1x?x8x8xf32> {
  %r = func.call @called(%q) : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %o = attn.attention %d, %d, %d : tensor<1x?x8x8xf32>, tensor<1x?x8x8xf32>, tensor<1x?x8x8xf32> -> tensor<1x?x8x8xf32>
  return %o : tensor<1x?x8x8xf32>
}
func.func @three() -> tensor<3xf32> {
  %c = arith.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  return %c : tensor<3xf32>
}
func.func @rows() -> tensor<3x2xf32> {
  %c = arith.constant dense<1.0> : tensor<3x2xf32>
  return %c : tensor<3x2xf32>
}
