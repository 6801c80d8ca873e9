// --attn-token-merge on the torch-mlir ViT exports of test/Models, run
// through attn-run.
//
// vitcls (ViTForImageClassification, 65 tokens, 3 blocks, logits from the
// class token): r = 16 merges 65 -> 49 -> 33 -> 17 tokens; later attention
// gets ln(size) biases; the class-token slice needs no unmerge. The logits
// stay within 0.5 of PyTorch's (measured 0.41 at r = 16, 0.15 at r = 4; see
// docs/TokenMerging.md), which guards against a re-typing that runs but
// computes something else (that moves logits by several units).
// RUN: attn-opt %S/../Models/vitcls-sdpa-linalg.mlir --attn-raise-pipeline --attn-infer-pattern --canonicalize --attn-token-merge="r=16" -o %t.cls16.mlir
// RUN: FileCheck %s --check-prefix=CLS < %t.cls16.mlir
// RUN: attn-run %t.cls16.mlir --entry=main --input=%S/../Models/vitcls-sdpa.input0.npy --check-against=%S/../Models/vitcls-sdpa.output0.npy --atol=0.5 --rtol=0 | FileCheck %s --check-prefix=PASS
// RUN: attn-opt %S/../Models/vitcls-sdpa-linalg.mlir --attn-raise-pipeline --attn-infer-pattern --canonicalize --attn-token-merge="r=4" | attn-run - --entry=main --input=%S/../Models/vitcls-sdpa.input0.npy --check-against=%S/../Models/vitcls-sdpa.output0.npy --atol=0.2 --rtol=0 | FileCheck %s --check-prefix=PASS
//
// vit (ViTModel, 17 tokens, 2 blocks, per-token last_hidden_state): r = 4
// merges 17 -> 13 -> 9 and two token_unmerge restore 17 tokens.
// RUN: attn-opt %S/../Models/vit-sdpa-linalg.mlir --attn-raise-pipeline --attn-infer-pattern --canonicalize --attn-token-merge="r=4" -o %t.vit4.mlir
// RUN: FileCheck %s --check-prefix=VIT < %t.vit4.mlir
// RUN: attn-run %t.vit4.mlir --entry=main --input=%S/../Models/vit-sdpa.input0.npy | FileCheck %s --check-prefix=VITOUT
//
// The merges at the shapes the pass produces for vitcls, against the naive
// reference: which tokens merge exactly, values within 1e-5.
// RUN: attn-run %s --entry=vitcls_block0 --seed=11 --check --oracle=naive | FileCheck %s --check-prefix=PASS
// RUN: attn-run %s --entry=vitcls_block1 --seed=12 --check --oracle=naive | FileCheck %s --check-prefix=PASS
// RUN: attn-run %s --entry=vit_unmerge --seed=13 --check --oracle=naive | FileCheck %s --check-prefix=PASS

// CLS:      attn.token_merge {{.*}} r = 16 protect_first : tensor<1x65x32xf32>, tensor<1x65x8xf32> -> tensor<1x49x32xf32>, tensor<1x49xf32>, tensor<1x65xindex>
// CLS:      attn.attention {{.*}} bias(%{{.*}} : tensor<1x1x1x49xf32>) {{.*}} -> tensor<1x4x49x8xf32>
// CLS:      attn.token_merge {{.*}} size(%{{.*}} : tensor<1x49xf32>) r = 16 protect_first {{.*}} -> tensor<1x33x32xf32>
// CLS:      attn.attention {{.*}} bias(%{{.*}} : tensor<1x1x1x33xf32>) {{.*}} -> tensor<1x4x33x8xf32>
// CLS:      attn.token_merge {{.*}} size(%{{.*}} : tensor<1x33xf32>) r = 16 protect_first {{.*}} -> tensor<1x17x32xf32>
// CLS:      tensor.extract_slice {{.*}}[0, 0, 0] [1, 1, 32] [1, 1, 1] : tensor<1x17x32xf32> to tensor<1x1x32xf32>
// CLS-NOT:  attn.token_unmerge
// CLS:      return {{.*}} : tensor<1x10xf32>

// VIT:      attn.token_merge {{.*}} r = 4 protect_first : tensor<1x17x32xf32>, {{.*}} -> tensor<1x13x32xf32>
// VIT:      attn.attention {{.*}} bias(%{{.*}} : tensor<1x1x1x13xf32>)
// VIT:      %{{.*}}, %{{.*}}, %[[SRC1:.*]] = attn.token_merge {{.*}} r = 4 protect_first : tensor<1x13x32xf32>, {{.*}} -> tensor<1x9x32xf32>
// VIT:      %[[U:.*]] = attn.token_unmerge %{{.*}}, %[[SRC1]] : tensor<1x9x32xf32>, tensor<1x13xindex> -> tensor<1x13x32xf32>
// VIT:      attn.token_unmerge %[[U]], %{{.*}} : tensor<1x13x32xf32>, tensor<1x17xindex> -> tensor<1x17x32xf32>
// VITOUT:   result 0: tensor<1x17x32xf32>
// VITOUT-NOT: nan

// PASS-NOT: FAIL
// PASS: check: PASS

func.func @vitcls_block0(%x: tensor<1x65x32xf32>, %k: tensor<1x65x8xf32>) -> (tensor<1x49x32xf32>, tensor<1x49xf32>, tensor<1x65xindex>) {
  %a, %b, %c = attn.token_merge %x, %k r = 16 protect_first : tensor<1x65x32xf32>, tensor<1x65x8xf32> -> tensor<1x49x32xf32>, tensor<1x49xf32>, tensor<1x65xindex>
  return %a, %b, %c : tensor<1x49x32xf32>, tensor<1x49xf32>, tensor<1x65xindex>
}

func.func @vitcls_block1(%x: tensor<1x49x32xf32>, %k: tensor<1x49x8xf32>, %s: tensor<1x49xf32>) -> (tensor<1x33x32xf32>, tensor<1x33xf32>, tensor<1x49xindex>) {
  %a, %b, %c = attn.token_merge %x, %k size(%s : tensor<1x49xf32>) r = 16 protect_first : tensor<1x49x32xf32>, tensor<1x49x8xf32> -> tensor<1x33x32xf32>, tensor<1x33xf32>, tensor<1x49xindex>
  return %a, %b, %c : tensor<1x33x32xf32>, tensor<1x33xf32>, tensor<1x49xindex>
}

func.func @vit_unmerge(%m: tensor<1x9x32xf32>, %s: tensor<1x13xindex>) -> tensor<1x13x32xf32> {
  %u = attn.token_unmerge %m, %s : tensor<1x9x32xf32>, tensor<1x13xindex> -> tensor<1x13x32xf32>
  return %u : tensor<1x13x32xf32>
}
