// RUN: attn-opt %s --convert-attn-to-gpu="max-unrolled-floats=0 tensor-cores=false" --split-input-file | FileCheck %s
// RUN: attn-opt %s --convert-attn-to-gpu="chip=sm_90 features=+ptx80 tile-q=32 tile-k=16 max-unrolled-floats=0" --split-input-file | FileCheck %s --check-prefix=SM90
// RUN: attn-opt %s --convert-attn-to-gpu --split-input-file --mlir-print-debuginfo 2>&1 | FileCheck %s --check-prefix=REMARK

// The target is recorded on the module; the kernels live in one gpu.module.
// CHECK: module attributes {attn.gpu.target = {chip = "sm_80", features = "", shared_memory_bytes = 49152 : i64}, gpu.container_module}
// SM90: module attributes {attn.gpu.target = {chip = "sm_90", features = "+ptx80", shared_memory_bytes = 49152 : i64}, gpu.container_module}

// Causal 128 x 128 with 64 x 32 tiles: query tile 0 visits key tiles 0, 1
// (both on the diagonal: masks 0 and 1), query tile 1 visits 0..3 (two whole
// tiles, then the same two diagonal masks, stored once).
// CHECK-DAG: func.func private @__attn_gpu_launch(memref<1x2x128x64xf32>, memref<1x2x128x64xf32>, memref<1x2x128x64xf32>, memref<3xi32>, memref<6xi32>, memref<6xi32>, memref<2x32x64xi8>, memref<1x2x128x64xf32>) attributes {attn.gpu.block = array<i64: 64, 1, 1>, attn.gpu.grid = array<i64: 2, 2, 1>, attn.gpu.kernel = @__attn_gpu::@attention}
// CHECK-DAG: memref.global "private" constant @__attn_gpu_offsets : memref<3xi32> = dense<[0, 2, 6]>
// CHECK-DAG: memref.global "private" constant @__attn_gpu_tiles : memref<6xi32> = dense<[0, 1, 0, 1, 2, 3]>
// CHECK-DAG: memref.global "private" constant @__attn_gpu_mask_ids : memref<6xi32> = dense<[0, 1, -1, -1, 0, 1]>
// CHECK-DAG: memref.global "private" constant @__attn_gpu_masks : memref<2x32x64xi8>
// CHECK-LABEL: func.func @causal(
// CHECK-SAME: %[[Q:.*]]: tensor<1x2x128x64xf32>, %[[K:.*]]: tensor<1x2x128x64xf32>, %[[V:.*]]: tensor<1x2x128x64xf32>)
// CHECK-DAG: %[[QB:.*]] = bufferization.to_buffer %[[Q]] read_only
// CHECK-DAG: %[[KB:.*]] = bufferization.to_buffer %[[K]] read_only
// CHECK-DAG: %[[VB:.*]] = bufferization.to_buffer %[[V]] read_only
// CHECK-DAG: %[[OUT:.*]] = memref.alloc() {alignment = 64 : i64} : memref<1x2x128x64xf32>
// CHECK-DAG: %[[OFF:.*]] = memref.get_global @__attn_gpu_offsets
// CHECK-DAG: %[[TIL:.*]] = memref.get_global @__attn_gpu_tiles
// CHECK-DAG: %[[IDS:.*]] = memref.get_global @__attn_gpu_mask_ids
// CHECK-DAG: %[[MSK:.*]] = memref.get_global @__attn_gpu_masks
// CHECK: call @__attn_gpu_launch(%[[QB]], %[[KB]], %[[VB]], %[[OFF]], %[[TIL]], %[[IDS]], %[[MSK]], %[[OUT]])
// CHECK: %[[R:.*]] = bufferization.to_tensor %[[OUT]] restrict writable
// CHECK: return %[[R]]
// CHECK: gpu.module @__attn_gpu {
// CHECK: gpu.func @attention(%[[GQ:[^:]*]]: memref<1x2x128x64xf32>, %[[GK:[^:]*]]: memref<1x2x128x64xf32>, %[[GV:[^:]*]]: memref<1x2x128x64xf32>, %[[GOFF:[^:]*]]: memref<3xi32>, %[[GTIL:[^:]*]]: memref<6xi32>, %[[GIDS:[^:]*]]: memref<6xi32>, %[[GMSK:[^:]*]]: memref<2x32x64xi8>, %[[GOUT:[^:]*]]: memref<1x2x128x64xf32>)
// CHECK-SAME: workgroup(%[[KS:.*]] : memref<32x64xf32, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %[[VS:.*]] : memref<32x64xf32, #gpu.address_space<workgroup>> {llvm.align = 16 : i64})
// CHECK-SAME: private(%[[QR:.*]] : memref<64xf32, #gpu.address_space<private>>, %[[ACC:.*]] : memref<64xf32, #gpu.address_space<private>>, %[[SROW:.*]] : memref<32xf32, #gpu.address_space<private>>)
// CHECK-SAME: kernel attributes {attn.gpu.path = "simt.f32", attn.gpu.tiles = array<i64: 64, 32>, attn.gpu.unrolled = false, known_block_size = array<i32: 64, 1, 1>}
// CHECK-DAG: %[[QT:.*]] = gpu.block_id x
// CHECK-DAG: %[[H:.*]] = gpu.block_id y
// CHECK-DAG: %[[B:.*]] = gpu.block_id z
// CHECK-DAG: %[[TX:.*]] = gpu.thread_id x
// The plan entries of this query tile.
// CHECK: memref.load %[[GOFF]][%[[QT]]] : memref<3xi32>
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) -> (f32, f32) {
// CHECK: memref.load %[[GTIL]]
// CHECK: memref.load %[[GIDS]]
// Both stages, all threads cooperating (thread x, stride = block size).
// CHECK: scf.for %{{.*}} = %[[TX]] to %c2048 step %c64
// CHECK: memref.load %[[GK]]
// CHECK: memref.store %{{.*}}, %[[KS]]
// CHECK: scf.for %{{.*}} = %[[TX]] to %c2048{{.*}} step %c64
// CHECK: memref.load %[[GV]]
// CHECK: memref.store %{{.*}}, %[[VS]]
// CHECK: gpu.barrier
// Scores from the K stage; partial tiles read the plan's mask for this lane.
// CHECK: memref.load %[[KS]]
// CHECK: memref.load %[[QR]]
// CHECK: scf.if %{{.*}} -> (i1) {
// CHECK: memref.load %[[GMSK]][%{{.*}}, %{{.*}}, %[[TX]]] : memref<2x32x64xi8>
// CHECK: memref.store %{{.*}}, %[[SROW]]
// CHECK: arith.maximumf
// Online softmax: rescale, weights, P . V from the V stage.
// CHECK: math.exp
// CHECK: memref.load %[[VS]]
// CHECK: math.fma
// CHECK: gpu.barrier
// CHECK: scf.yield
// Only rows inside the op store.
// CHECK: arith.cmpi ult
// CHECK: scf.if
// CHECK: memref.store %{{.*}}, %[[GOUT]]
// CHECK: gpu.return
// Smaller tiles: 4 query tiles of 32 rows, 16-key stages.
// SM90-LABEL: func.func @causal(
// SM90: gpu.func @attention
// SM90-SAME: workgroup(%{{.*}} : memref<16x64xf32, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %{{.*}} : memref<16x64xf32, #gpu.address_space<workgroup>> {llvm.align = 16 : i64})
// SM90-SAME: attn.gpu.tiles = array<i64: 32, 16>, attn.gpu.unrolled = false, known_block_size = array<i32: 32, 1, 1>
func.func @causal(%q: tensor<1x2x128x64xf32>, %k: tensor<1x2x128x64xf32>, %v: tensor<1x2x128x64xf32>) -> tensor<1x2x128x64xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.causal}
      : tensor<1x2x128x64xf32>, tensor<1x2x128x64xf32>, tensor<1x2x128x64xf32> -> tensor<1x2x128x64xf32>
  return %o : tensor<1x2x128x64xf32>
}

// -----

// GQA (4 query heads on 2 KV heads), f16, broadcast bias, mask, learned
// sinks and softcap; dense with whole tiles: no mask tables.
// CHECK-LABEL: func.func @gqa_f16(
// CHECK: call @__attn_gpu_launch(
// CHECK-SAME: (memref<2x4x40x32xf16>, memref<2x2x64x32xf16>, memref<2x2x64x16xf16>, memref<40x64xf32>, memref<2x1x40x64xi1>, memref<4xf32>, memref<2xi32>, memref<2xi32>, memref<2x4x40x16xf16>) -> ()
// CHECK: gpu.func @attention(%[[Q:[^:]*]]: memref<2x4x40x32xf16>, %[[K:[^:]*]]: memref<2x2x64x32xf16>, %[[V:[^:]*]]: memref<2x2x64x16xf16>, %[[BIAS:[^:]*]]: memref<40x64xf32>, %[[MASK:[^:]*]]: memref<2x1x40x64xi1>, %[[SINK:[^:]*]]: memref<4xf32>,
// CHECK-DAG: %[[H:.*]] = gpu.block_id y
// CHECK-DAG: %[[B:.*]] = gpu.block_id z
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK: %[[HK:.*]] = arith.divui %[[H]], %[[C2]] : index
// CHECK: %[[ROW:.*]] = arith.minui %{{.*}}, %c39 : index
// CHECK: memref.load %[[Q]][%[[B]], %[[H]], %[[ROW]], %{{.*}}] : memref<2x4x40x32xf16>
// CHECK: arith.extf %{{.*}} : f16 to f32
// The learned sink starts the running maximum.
// CHECK: %[[S0:.*]] = memref.load %[[SINK]][%[[H]]] : memref<4xf32>
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %[[S0]], %{{.*}} = %cst{{.*}}) -> (f32, f32)
// CHECK: memref.load %[[K]][%[[B]], %[[HK]], %{{.*}}, %{{.*}}] : memref<2x2x64x32xf16>
// CHECK: memref.load %[[V]][%[[B]], %[[HK]], %{{.*}}, %{{.*}}] : memref<2x2x64x16xf16>
// CHECK: math.tanh
// CHECK: memref.load %[[BIAS]][%[[ROW]], %{{.*}}] : memref<40x64xf32>
// CHECK: memref.load %[[MASK]][%[[B]], %c0{{.*}}, %[[ROW]], %{{.*}}] : memref<2x1x40x64xi1>
// CHECK-NOT: scf.if %{{.*}} -> (i1)
// CHECK: arith.truncf %{{.*}} : f32 to f16
func.func @gqa_f16(%q: tensor<2x4x40x32xf16>, %k: tensor<2x2x64x32xf16>, %v: tensor<2x2x64x16xf16>,
                   %bias: tensor<40x64xf32>, %mask: tensor<2x1x40x64xi1>, %sink: tensor<4xf32>) -> tensor<2x4x40x16xf16> {
  %o = attn.attention %q, %k, %v bias(%bias : tensor<40x64xf32>) mask(%mask : tensor<2x1x40x64xi1>) sink(%sink : tensor<4xf32>)
      {normalizer = #attn.softmax<sink = learned>, softcap = 30.0 : f32}
      : tensor<2x4x40x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x16xf16> -> tensor<2x4x40x16xf16>
  return %o : tensor<2x4x40x16xf16>
}

// -----

// ReLU normalised by the visible count: the count is taken first over the
// same plan entries (no stage, no barrier), then the weighted pass runs; no
// running maximum.
// CHECK-LABEL: func.func @relu_visible(
// CHECK: gpu.func @attention
// CHECK: %[[N:.*]] = scf.for {{.*}} -> (f32) {
// CHECK-NOT: gpu.barrier
// CHECK: scf.for {{.*}} -> (f32) {
// CHECK: arith.cmpf une
// CHECK: scf.for {{.*}} -> (f32, f32) {
// CHECK: gpu.barrier
// CHECK-NOT: math.exp
// CHECK: arith.maximumf
// CHECK: gpu.barrier
// CHECK: arith.cmpf ogt, %[[N]], %{{.*}} : f32
func.func @relu_visible(%q: tensor<1x1x48x16xf32>, %k: tensor<1x1x48x16xf32>, %v: tensor<1x1x48x16xf32>) -> tensor<1x1x48x16xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.window<left = 8, right = 0, sinks = 2>, normalizer = #attn.relu<norm = visible>}
      : tensor<1x1x48x16xf32>, tensor<1x1x48x16xf32>, tensor<1x1x48x16xf32> -> tensor<1x1x48x16xf32>
  return %o : tensor<1x1x48x16xf32>
}

// -----

// D = Dv = 256: 32 keys would need 64 KiB of stages, so 16 are staged.
// CHECK-LABEL: func.func @wide_heads(
// CHECK: workgroup(%{{.*}} : memref<16x256xf32, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %{{.*}} : memref<16x256xf32, #gpu.address_space<workgroup>> {llvm.align = 16 : i64})
// CHECK-SAME: attn.gpu.tiles = array<i64: 64, 16>
func.func @wide_heads(%q: tensor<1x1x64x256xf32>, %k: tensor<1x1x64x256xf32>, %v: tensor<1x1x64x256xf32>) -> tensor<1x1x64x256xf32> {
  %o = attn.attention %q, %k, %v : tensor<1x1x64x256xf32>, tensor<1x1x64x256xf32>, tensor<1x1x64x256xf32> -> tensor<1x1x64x256xf32>
  return %o : tensor<1x1x64x256xf32>
}

// -----

// Lengths known at run time: the host counts the query tiles of the grid,
// and the kernel reads Lq and Lk from its buffers.
// REMARK-NOT: remark: {{.*}}dynamic
// CHECK-LABEL: func.func @dynamic(
// CHECK: %[[TILES:.*]] = arith.ceildivui %{{.*}}, %c64 : index
// CHECK: call @__attn_gpu_launch(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[TILES]]) : (memref<1x1x?x16xf32>, memref<1x1x?x16xf32>, memref<1x1x?x16xf32>, memref<1x1x?x16xf32>, index) -> ()
// CHECK-NOT: attn.attention
// CHECK: gpu.func @attention(%[[Q:[^:]*]]: memref<1x1x?x16xf32>, %[[K:[^:]*]]: memref<1x1x?x16xf32>,
// CHECK: memref.dim %[[Q]], %c2
// CHECK: memref.dim %[[K]], %c2
func.func @dynamic(%q: tensor<1x1x?x16xf32>, %k: tensor<1x1x?x16xf32>, %v: tensor<1x1x?x16xf32>) -> tensor<1x1x?x16xf32> {
  %o = attn.attention %q, %k, %v : tensor<1x1x?x16xf32>, tensor<1x1x?x16xf32>, tensor<1x1x?x16xf32> -> tensor<1x1x?x16xf32>
  return %o : tensor<1x1x?x16xf32>
}

// -----

// What the kernels cannot take stays, with the reason.
// REMARK: remark: left for the reference lowering: it has dynamic head counts or head dims
// CHECK-LABEL: func.func @dynamic_head_dim(
// CHECK: attn.attention
func.func @dynamic_head_dim(%q: tensor<1x1x8x?xf32>, %k: tensor<1x1x8x?xf32>, %v: tensor<1x1x8x16xf32>) -> tensor<1x1x8x16xf32> {
  %o = attn.attention %q, %k, %v : tensor<1x1x8x?xf32>, tensor<1x1x8x?xf32>, tensor<1x1x8x16xf32> -> tensor<1x1x8x16xf32>
  return %o : tensor<1x1x8x16xf32>
}

// -----

// REMARK: remark: left for the reference lowering: one key and value row (65536 bytes) exceeds shared-memory-bytes
// CHECK-LABEL: func.func @huge_rows(
// CHECK: attn.attention
func.func @huge_rows(%q: tensor<1x1x4x8192xf32>, %k: tensor<1x1x4x8192xf32>, %v: tensor<1x1x4x8192xf32>) -> tensor<1x1x4x8192xf32> {
  %o = attn.attention %q, %k, %v : tensor<1x1x4x8192xf32>, tensor<1x1x4x8192xf32>, tensor<1x1x4x8192xf32> -> tensor<1x1x4x8192xf32>
  return %o : tensor<1x1x4x8192xf32>
}
