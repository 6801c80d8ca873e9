// Masks and biases built by ops that the constant interpreter does not model
// (here tensor.concat) are evaluated by compiling and running the ops that
// build them; transformers' lowest-float additive masks count as masked where
// that is exact.
// RUN: attn-opt %s --split-input-file --allow-unregistered-dialect --verify-diagnostics --attn-infer-pattern | FileCheck %s


// A causal mask made of two halves joined by tensor.concat: the rows 0-3 and
// 4-7 each compare j with the absolute row index.
// CHECK-LABEL: func.func @causal_from_concat
// CHECK-NOT: tensor.concat
// CHECK: attn.attention %{{.*}}, %{{.*}}, %{{.*}} {pattern = #attn.causal} :
func.func @causal_from_concat(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  %e = tensor.empty() : tensor<4x8xi1>
  %top = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} outs(%e : tensor<4x8xi1>) {
  ^bb0(%out: i1):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %c = arith.cmpi sle, %j, %i : index
    linalg.yield %c : i1
  } -> tensor<4x8xi1>
  %bottom = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} outs(%e : tensor<4x8xi1>) {
  ^bb0(%out: i1):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %c4 = arith.constant 4 : index
    %row = arith.addi %i, %c4 : index
    %c = arith.cmpi sle, %j, %row : index
    linalg.yield %c : i1
  } -> tensor<4x8xi1>
  %m = tensor.concat dim(0) %top, %bottom : (tensor<4x8xi1>, tensor<4x8xi1>) -> tensor<8x8xi1>
  %o = attn.attention %q, %k, %v mask(%m : tensor<8x8xi1>) : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
  return %o : tensor<1x2x8x4xf32>
}

// -----

// transformers' eager mask: 0 where visible, the lowest f32 elsewhere. Every
// row keeps a visible key, so the lowest entries are masked exactly: the
// bias becomes the causal pattern.
// CHECK-LABEL: func.func @causal_from_lowest
// CHECK-NOT: bias(
// CHECK: attn.attention %{{.*}}, %{{.*}}, %{{.*}} {pattern = #attn.causal} :
func.func @causal_from_lowest(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  %e = tensor.empty() : tensor<8x8xf32>
  %b = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} outs(%e : tensor<8x8xf32>) {
  ^bb0(%out: f32):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %c = arith.cmpi sle, %j, %i : index
    %zero = arith.constant 0.0 : f32
    %low = arith.constant -3.40282347E+38 : f32
    %x = arith.select %c, %zero, %low : f32
    linalg.yield %x : f32
  } -> tensor<8x8xf32>
  %o = attn.attention %q, %k, %v bias(%b : tensor<8x8xf32>) : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
  return %o : tensor<1x2x8x4xf32>
}

// -----

// Near miss: row 0 holds the lowest float everywhere. Softmax then gives
// that row uniform weights, not the zeros of a fully masked row, so lowest
// is not masking here and the bias stays.
// CHECK-LABEL: func.func @lowest_row_all_masked
// CHECK: attn.attention %{{.*}}, %{{.*}}, %{{.*}} bias(%{{.*}} : tensor<8x8xf32>) :
func.func @lowest_row_all_masked(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  %e = tensor.empty() : tensor<8x8xf32>
  %b = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} outs(%e : tensor<8x8xf32>) {
  ^bb0(%out: f32):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %c = arith.cmpi slt, %j, %i : index
    %zero = arith.constant 0.0 : f32
    %low = arith.constant -3.40282347E+38 : f32
    %x = arith.select %c, %zero, %low : f32
    linalg.yield %x : f32
  } -> tensor<8x8xf32>
  %o = attn.attention %q, %k, %v bias(%b : tensor<8x8xf32>) : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
  return %o : tensor<1x2x8x4xf32>
}

// -----

// Near miss: an op that may have side effects is never run at compile time.
// CHECK-LABEL: func.func @side_effect
// CHECK: attn.attention %{{.*}}, %{{.*}}, %{{.*}} mask(
func.func @side_effect(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  %m = "test.make_mask"() : () -> tensor<8x8xi1>
  // expected-remark @+1 {{mask is not evaluated at compile time: compiled evaluation: 'test.make_mask' may have side effects}}
  %o = attn.attention %q, %k, %v mask(%m : tensor<8x8xi1>) : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
  return %o : tensor<1x2x8x4xf32>
}

// -----

// A mask gathered from a table with torch-mlir's bounds check (cf.assert in
// the generic's body, as its index_select / embedding lowering writes):
// the assertions hold, the mask is evaluated and is causal.
// CHECK-LABEL: func.func @gather_with_bounds_check
// CHECK: attn.attention %{{.*}}, %{{.*}}, %{{.*}} {pattern = #attn.causal} :
func.func @gather_with_bounds_check(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  %table = arith.constant dense<[false, true]> : tensor<2xi1>
  %e = tensor.empty() : tensor<8x8xi1>
  %m = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} outs(%e : tensor<8x8xi1>) {
  ^bb0(%out: i1):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %c = arith.cmpi sle, %j, %i : index
    %idx = arith.extui %c : i1 to i64
    %x = arith.index_cast %idx : i64 to index
    %c2 = arith.constant 2 : index
    %ok = arith.cmpi ult, %x, %c2 : index
    cf.assert %ok, "index must be smaller than dim size"
    %r = tensor.extract %table[%x] : tensor<2xi1>
    linalg.yield %r : i1
  } -> tensor<8x8xi1>
  %o = attn.attention %q, %k, %v mask(%m : tensor<8x8xi1>) : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
  return %o : tensor<1x2x8x4xf32>
}

// -----

// The same gather with an index that leaves the table (i + j up to 14 in a
// table of 8): the program would fail its assertion, so nothing is
// evaluated and the compiler says why instead of aborting or reading out of
// bounds.
// CHECK-LABEL: func.func @gather_out_of_bounds
// CHECK: attn.attention %{{.*}}, %{{.*}}, %{{.*}} mask(
func.func @gather_out_of_bounds(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  %table = arith.constant dense<true> : tensor<8xi1>
  %e = tensor.empty() : tensor<8x8xi1>
  %m = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} outs(%e : tensor<8x8xi1>) {
  ^bb0(%out: i1):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %x = arith.addi %i, %j : index
    %c8 = arith.constant 8 : index
    %ok = arith.cmpi ult, %x, %c8 : index
    cf.assert %ok, "index must be smaller than dim size"
    %r = tensor.extract %table[%x] : tensor<8xi1>
    linalg.yield %r : i1
  } -> tensor<8x8xi1>
  // expected-remark @+1 {{mask is not evaluated at compile time: compiled evaluation: an assertion of the program fails (an index out of bounds)}}
  %o = attn.attention %q, %k, %v mask(%m : tensor<8x8xi1>) : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
  return %o : tensor<1x2x8x4xf32>
}
