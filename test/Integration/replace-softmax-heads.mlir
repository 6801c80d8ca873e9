// --attn-replace-softmax with a partial heads= selection splits the op along
// its query heads. The result must equal the original op on the other heads
// and the fully rewritten op on the selected ones (both checked against the
// naive reference in replace-softmax.mlir); numpy splices the expectation.
// REQUIRES: numpy
// RUN: rm -rf %t && mkdir -p %t
// RUN: attn-run %s --entry=f --seed=3 --output-dir=%t/orig
// RUN: attn-run %s --entry=g --seed=4 --output-dir=%t/orig

// Heads 1-2 straddle the GQA groups {0,1} and {2,3}: split per head.
// RUN: attn-opt %s --attn-replace-softmax="mode=relu norm=visible heads=1-2 ops=0" -o %t/relu-split.mlir
// RUN: attn-opt %s --attn-replace-softmax="mode=relu norm=visible ops=0" -o %t/relu-all.mlir
// RUN: attn-run %t/relu-all.mlir --entry=f --seed=3 --output-dir=%t/relu
// RUN: %python -c "import numpy as n; a = n.load('%t/orig/f.result0.npy'); b = n.load('%t/relu/f.result0.npy'); assert abs(a - b)[:, 1:3].max() > 1e-3; a[:, 1:3] = b[:, 1:3]; n.save('%t/relu-expected.npy', a)"
// RUN: attn-run %t/relu-split.mlir --entry=f --seed=3 --check-against=%t/relu-expected.npy | FileCheck %s
// RUN: FileCheck %s --input-file=%t/relu-split.mlir --check-prefix=IR

// Heads 2-3 are one GQA group: one piece for them, one for heads 0-1; the
// per-head bias and mask are sliced with the heads.
// RUN: attn-opt %s --attn-replace-softmax="mode=streaming window=2 sinks=1 heads=2-3 ops=1" -o %t/stream-split.mlir
// RUN: attn-opt %s --attn-replace-softmax="mode=streaming window=2 sinks=1 ops=1" -o %t/stream-all.mlir
// RUN: attn-run %t/stream-all.mlir --entry=g --seed=4 --output-dir=%t/stream
// RUN: %python -c "import numpy as n; a = n.load('%t/orig/g.result0.npy'); b = n.load('%t/stream/g.result0.npy'); assert abs(a - b)[:, 2:4].max() > 1e-3; a[:, 2:4] = b[:, 2:4]; n.save('%t/stream-expected.npy', a)"
// RUN: attn-run %t/stream-split.mlir --entry=g --seed=4 --check-against=%t/stream-expected.npy | FileCheck %s
// RUN: FileCheck %s --input-file=%t/stream-split.mlir --check-prefix=GROUP

// ACT on query head 0 only; the assertion shows the calibration changed
// that head (so the splice is not comparing softmax with itself).
// RUN: attn-opt %s --attn-replace-softmax="mode=calibrate-sinks threshold=1.5 factor=0.25 heads=0 ops=0" -o %t/act-split.mlir
// RUN: attn-opt %s --attn-replace-softmax="mode=calibrate-sinks threshold=1.5 factor=0.25 ops=0" -o %t/act-all.mlir
// RUN: attn-run %t/act-all.mlir --entry=f --seed=3 --output-dir=%t/act
// RUN: %python -c "import numpy as n; a = n.load('%t/orig/f.result0.npy'); b = n.load('%t/act/f.result0.npy'); assert abs(a - b)[:, 0:1].max() > 1e-3; a[:, 0:1] = b[:, 0:1]; n.save('%t/act-expected.npy', a)"
// RUN: attn-run %t/act-split.mlir --entry=f --seed=3 --check-against=%t/act-expected.npy | FileCheck %s

// CHECK: check: PASS

// IR-LABEL: func.func @f
// IR-COUNT-4: attn.attention
// IR-NOT: attn.attention
// IR-LABEL: func.func @g
// GROUP-LABEL: func.func @g
// GROUP: attn.attention {{.*}} bias(%{{.*}} : tensor<1x2x1x16xf32>) mask(%{{.*}} : tensor<2x16x16xi1>) {pattern = #attn.causal} : tensor<1x2x16x8xf32>, tensor<1x1x16x8xf32>
// GROUP: attn.attention {{.*}} bias(%{{.*}} : tensor<1x2x1x16xf32>) mask(%{{.*}} : tensor<2x16x16xi1>) {pattern = #attn.window<left = 2, right = 0, sinks = 1>} : tensor<1x2x16x8xf32>, tensor<1x1x16x8xf32>
// GROUP-NOT: attn.attention

func.func @f(%q: tensor<1x4x16x8xf32>, %k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8xf32>) -> tensor<1x4x16x8xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.causal} : tensor<1x4x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32> -> tensor<1x4x16x8xf32>
  return %o : tensor<1x4x16x8xf32>
}

func.func @g(%q: tensor<1x4x16x8xf32>, %k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8xf32>, %b: tensor<1x4x1x16xf32>, %m: tensor<4x16x16xi1>) -> tensor<1x4x16x8xf32> {
  %o = attn.attention %q, %k, %v bias(%b : tensor<1x4x1x16xf32>) mask(%m : tensor<4x16x16xi1>) {pattern = #attn.causal} : tensor<1x4x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32> -> tensor<1x4x16x8xf32>
  return %o : tensor<1x4x16x8xf32>
}
