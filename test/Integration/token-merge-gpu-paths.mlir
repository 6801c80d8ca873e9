// Which GPU kernel attn.token_merge / attn.token_unmerge get, by size, and
// that the block-parallel merge is bit for bit the CPU loops (ties included):
//  - scratch within 48 KiB of shared memory: a block of 128 threads per batch
//    row, phases separated by barriers (block);
//  - more: one thread per row with its scratch on the stack (row), up to
//    256 KiB per row; beyond, the op stays on the host with a remark;
//  - with shared-memory-bytes raised, block kernels up to that much scratch,
//    in dynamic shared memory beyond 48 KiB (both of those ops);
//  - unmerge: a block per (batch, token), threads striding over channels.
// RUN: attn-opt %s --convert-attn-to-gpu 2>&1 | FileCheck %s
// RUN: rm -rf %t && mkdir -p %t
// RUN: attn-run %s --pipeline=cpu --entry=small --seed=4 --random-step=1 --output-dir=%t
// RUN: attn-run %s --pipeline=gpu-sim --entry=small --seed=4 --random-step=1 --check-against=%t/small.result0.npy,%t/small.result1.npy,%t/small.result2.npy --atol=0 --rtol=0 | FileCheck %s --check-prefix=PASS
// RUN: attn-run %s --pipeline=cpu --entry=small_graph --seed=5 --random-step=1 --output-dir=%t
// RUN: attn-run %s --pipeline=gpu-sim --entry=small_graph --seed=5 --random-step=1 --check-against=%t/small_graph.result0.npy,%t/small_graph.result1.npy,%t/small_graph.result2.npy --atol=0 --rtol=0 | FileCheck %s --check-prefix=PASS
// RUN: attn-run %s --pipeline=gpu-sim --entry=rows --seed=6 --check --oracle=naive | FileCheck %s --check-prefix=PASS
// RUN: attn-run %s --pipeline=gpu-sim --entry=unmerge_wide --seed=7 --check --oracle=naive | FileCheck %s --check-prefix=PASS
// RUN: attn-opt %s --convert-attn-to-gpu="shared-memory-bytes=131072" 2>&1 | FileCheck %s --check-prefix=DYN
// RUN: attn-run %s --pipeline=cpu --entry=rows --seed=6 --random-step=1 --output-dir=%t
// RUN: attn-run %s --pipeline=gpu-sim --pipeline-options="shared-memory-bytes=131072" --entry=rows --seed=6 --random-step=1 --check-against=%t/rows.result0.npy,%t/rows.result1.npy,%t/rows.result2.npy --atol=0 --rtol=0 | FileCheck %s --check-prefixes=PASS,SIMDYN

// SIMDYN: kernels: token_merge (block)
// PASS-NOT: FAIL
// PASS: check: PASS

// DYN-NOT: remark
// DYN-DAG: func.func private @{{.*}}(memref<1x1600x4xf32>, {{.*}}) attributes {attn.gpu.block = array<i64: 128, 1, 1>, attn.gpu.dynamic_shared_memory = 53600 : i64, attn.gpu.grid = array<i64: 1, 1, 1>
// DYN-DAG: func.func private @{{.*}}(memref<1x2048x64xf32>, {{.*}}) attributes {attn.gpu.block = array<i64: 128, 1, 1>, attn.gpu.dynamic_shared_memory = 68848 : i64, attn.gpu.grid = array<i64: 1, 1, 1>
// DYN-LABEL: func.func @host(
// DYN-NOT: attn.token_merge
// DYN: gpu.func @token_merge_1({{[^)]*}}) kernel attributes {attn.gpu.dynamic_shared_memory = 53600 : i64, attn.gpu.path = "block"
// DYN-NEXT: gpu.dynamic_shared_memory

// CHECK: remark: left for the reference lowering: its per-row scratch (567536 bytes) exceeds the 262144 bytes a GPU thread keeps on its stack
// CHECK-DAG: func.func private @{{.*}}(memref<2x16x8xf32>, {{.*}}) attributes {attn.gpu.block = array<i64: 128, 1, 1>, attn.gpu.grid = array<i64: 2, 1, 1>
// CHECK-DAG: func.func private @{{.*}}(memref<2x13x8xf32>, {{.*}}) attributes {attn.gpu.block = array<i64: 128, 1, 1>, attn.gpu.grid = array<i64: 2, 1, 1>
// CHECK-DAG: func.func private @{{.*}}(memref<1x1600x4xf32>, {{.*}}) attributes {attn.gpu.block = array<i64: 1, 1, 1>, attn.gpu.grid = array<i64: 1, 1, 1>
// CHECK-DAG: func.func private @{{.*}}(memref<1x4x200xf32>, {{.*}}) attributes {attn.gpu.block = array<i64: 128, 1, 1>, attn.gpu.grid = array<i64: 1, 6, 1>
// CHECK-LABEL: func.func @host(
// CHECK: attn.token_merge
// The block kernel: norms, best, partner, flags, counts, starts, members,
// totals in shared memory, and barriers between its phases.
// CHECK: gpu.func @token_merge(%{{.*}}: memref<2x16x8xf32>, %{{.*}}: memref<2x16x4xf32>, %{{.*}}: memref<2x11x8xf32>, %{{.*}}: memref<2x11xf32>, %{{.*}}: memref<2x16xindex>) workgroup(%{{.*}} : memref<16xf32, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %{{.*}} : memref<8xf32, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %{{.*}} : memref<8xindex, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %{{.*}} : memref<8xi8, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %{{.*}} : memref<11xindex, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %{{.*}} : memref<11xindex, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %{{.*}} : memref<16xindex, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %{{.*}} : memref<11xf32, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}) kernel attributes {attn.gpu.path = "block"
// CHECK-COUNT-4: gpu.barrier
// CHECK: gpu.func @token_merge_0(
// CHECK-SAME: attn.gpu.path = "block"
// CHECK: gpu.func @token_merge_1(
// CHECK-NOT: workgroup(
// CHECK-SAME: attn.gpu.path = "row"
// CHECK-NOT: gpu.barrier
// CHECK: gpu.func @token_unmerge(
// CHECK-SAME: attn.gpu.path = "channels"

func.func @small(%x: tensor<2x16x8xf32>, %k: tensor<2x16x4xf32>) -> (tensor<2x11x8xf32>, tensor<2x11xf32>, tensor<2x16xindex>) {
  %a, %b, %c = attn.token_merge %x, %k r = 5 : tensor<2x16x8xf32>, tensor<2x16x4xf32> -> tensor<2x11x8xf32>, tensor<2x11xf32>, tensor<2x16xindex>
  return %a, %b, %c : tensor<2x11x8xf32>, tensor<2x11xf32>, tensor<2x16xindex>
}

func.func @small_graph(%x: tensor<2x13x8xf32>, %k: tensor<2x13x4xf32>, %s: tensor<2x13xf32>) -> (tensor<2x9x8xf32>, tensor<2x9xf32>, tensor<2x13xindex>) {
  %a, %b, %c = attn.token_merge %x, %k size(%s : tensor<2x13xf32>) r = 4 protect_first matching = complete_graph : tensor<2x13x8xf32>, tensor<2x13x4xf32> -> tensor<2x9x8xf32>, tensor<2x9xf32>, tensor<2x13xindex>
  return %a, %b, %c : tensor<2x9x8xf32>, tensor<2x9xf32>, tensor<2x13xindex>
}

// 1600 tokens: 52 KiB of block scratch, 58 KiB per thread on the stack.
func.func @rows(%x: tensor<1x1600x4xf32>, %k: tensor<1x1600x4xf32>) -> (tensor<1x1200x4xf32>, tensor<1x1200xf32>, tensor<1x1600xindex>) {
  %a, %b, %c = attn.token_merge %x, %k r = 400 : tensor<1x1600x4xf32>, tensor<1x1600x4xf32> -> tensor<1x1200x4xf32>, tensor<1x1200xf32>, tensor<1x1600xindex>
  return %a, %b, %c : tensor<1x1200x4xf32>, tensor<1x1200xf32>, tensor<1x1600xindex>
}

func.func @host(%x: tensor<1x2048x64xf32>, %k: tensor<1x2048x64xf32>) -> (tensor<1x1548x64xf32>, tensor<1x1548xf32>, tensor<1x2048xindex>) {
  %a, %b, %c = attn.token_merge %x, %k r = 500 : tensor<1x2048x64xf32>, tensor<1x2048x64xf32> -> tensor<1x1548x64xf32>, tensor<1x1548xf32>, tensor<1x2048xindex>
  return %a, %b, %c : tensor<1x1548x64xf32>, tensor<1x1548xf32>, tensor<1x2048xindex>
}

func.func @unmerge_wide(%m: tensor<1x4x200xf32>, %s: tensor<1x6xindex>) -> tensor<1x6x200xf32> {
  %u = attn.token_unmerge %m, %s : tensor<1x4x200xf32>, tensor<1x6xindex> -> tensor<1x6x200xf32>
  return %u : tensor<1x6x200xf32>
}
