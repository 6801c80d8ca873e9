// mode=sink reproduces gpt-oss's formulation: softmax over the scores with
// the head's sink logit appended as one more column, that column dropped,
// written here directly in linalg (f32, GQA 4 query heads on 2 kv heads,
// causal). The pass turns @model into one attn.attention with a learned
// sink argument; both must give the same numbers on the same inputs.
// RUN: rm -rf %t && mkdir -p %t
// RUN: attn-opt %s --attn-replace-softmax="mode=sink sinks=arg ops=0" -o %t/sinks.mlir
// RUN: FileCheck %s --input-file=%t/sinks.mlir --check-prefix=IR
// RUN: attn-run %t/sinks.mlir --entry=model --seed=7 --output-dir=%t
// RUN: attn-run %s --entry=gpt_oss --seed=7 --check-against=%t/model.result0.npy | FileCheck %s
// RUN: attn-run %t/sinks.mlir --entry=model --seed=7 --check --oracle=naive | FileCheck %s

// IR-LABEL: func.func @model(
// IR-SAME: %[[S:[a-z0-9]+]]: tensor<4xf32>)
// IR: sink(%[[S]] : tensor<4xf32>) {normalizer = #attn.softmax<sink = learned>, pattern = #attn.causal}
// CHECK: check: PASS

func.func @model(%q: tensor<1x4x6x8xf32>, %k: tensor<1x2x6x8xf32>, %v: tensor<1x2x6x8xf32>) -> tensor<1x4x6x8xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.causal} : tensor<1x4x6x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32> -> tensor<1x4x6x8xf32>
  return %o : tensor<1x4x6x8xf32>
}

#qk_q = affine_map<(b, h, i, j, d) -> (b, h, i, d)>
#qk_k = affine_map<(b, h, i, j, d) -> (b, h floordiv 2, j, d)>
#qk_o = affine_map<(b, h, i, j, d) -> (b, h, i, j)>
#id4 = affine_map<(b, h, i, j) -> (b, h, i, j)>
#row4 = affine_map<(b, h, i, j) -> (b, h, i)>
#sink4 = affine_map<(b, h, i, j) -> (h)>
#pv_p = affine_map<(b, h, i, e, j) -> (b, h, i, j)>
#pv_v = affine_map<(b, h, i, e, j) -> (b, h floordiv 2, j, e)>
#pv_o = affine_map<(b, h, i, e, j) -> (b, h, i, e)>

// Same arguments as @model after the pass (q, k, v, sinks).
func.func @gpt_oss(%q: tensor<1x4x6x8xf32>, %k: tensor<1x2x6x8xf32>, %v: tensor<1x2x6x8xf32>, %sinks: tensor<4xf32>) -> tensor<1x4x6x8xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %scale = arith.constant 0.353553385 : f32
  // Scaled, causally masked scores (B, H, 6, 6).
  %e0 = tensor.empty() : tensor<1x4x6x6xf32>
  %z0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<1x4x6x6xf32>) -> tensor<1x4x6x6xf32>
  %dot = linalg.generic {indexing_maps = [#qk_q, #qk_k, #qk_o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%q, %k : tensor<1x4x6x8xf32>, tensor<1x2x6x8xf32>) outs(%z0 : tensor<1x4x6x6xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  } -> tensor<1x4x6x6xf32>
  %scores = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%dot : tensor<1x4x6x6xf32>) outs(%e0 : tensor<1x4x6x6xf32>) {
  ^bb0(%x: f32, %out: f32):
    %i = linalg.index 2 : index
    %j = linalg.index 3 : index
    %y = arith.mulf %x, %scale : f32
    %future = arith.cmpi ugt, %j, %i : index
    %r = arith.select %future, %ninf, %y : f32
    linalg.yield %r : f32
  } -> tensor<1x4x6x6xf32>
  // Append the sink column: (B, H, 6, 7).
  %e1 = tensor.empty() : tensor<1x4x6x7xf32>
  %with = tensor.insert_slice %scores into %e1[0, 0, 0, 0] [1, 4, 6, 6] [1, 1, 1, 1] : tensor<1x4x6x6xf32> into tensor<1x4x6x7xf32>
  %e2 = tensor.empty() : tensor<1x4x6x1xf32>
  %col = linalg.generic {indexing_maps = [#sink4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%sinks : tensor<4xf32>) outs(%e2 : tensor<1x4x6x1xf32>) {
  ^bb0(%s: f32, %out: f32):
    linalg.yield %s : f32
  } -> tensor<1x4x6x1xf32>
  %logits = tensor.insert_slice %col into %with[0, 0, 0, 6] [1, 4, 6, 1] [1, 1, 1, 1] : tensor<1x4x6x1xf32> into tensor<1x4x6x7xf32>
  // Softmax over the 7 columns.
  %e3 = tensor.empty() : tensor<1x4x6xf32>
  %m0 = linalg.fill ins(%ninf : f32) outs(%e3 : tensor<1x4x6xf32>) -> tensor<1x4x6xf32>
  %max = linalg.generic {indexing_maps = [#id4, #row4], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%logits : tensor<1x4x6x7xf32>) outs(%m0 : tensor<1x4x6xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %r = arith.maximumf %acc, %x : f32
    linalg.yield %r : f32
  } -> tensor<1x4x6xf32>
  %e4 = tensor.empty() : tensor<1x4x6x7xf32>
  %ex = linalg.generic {indexing_maps = [#id4, #row4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%logits, %max : tensor<1x4x6x7xf32>, tensor<1x4x6xf32>) outs(%e4 : tensor<1x4x6x7xf32>) {
  ^bb0(%x: f32, %mx: f32, %out: f32):
    %d = arith.subf %x, %mx : f32
    %r = math.exp %d : f32
    linalg.yield %r : f32
  } -> tensor<1x4x6x7xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%e3 : tensor<1x4x6xf32>) -> tensor<1x4x6xf32>
  %sum = linalg.generic {indexing_maps = [#id4, #row4], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%ex : tensor<1x4x6x7xf32>) outs(%s0 : tensor<1x4x6xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %r = arith.addf %acc, %x : f32
    linalg.yield %r : f32
  } -> tensor<1x4x6xf32>
  %probs = linalg.generic {indexing_maps = [#id4, #row4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%ex, %sum : tensor<1x4x6x7xf32>, tensor<1x4x6xf32>) outs(%e4 : tensor<1x4x6x7xf32>) {
  ^bb0(%x: f32, %t: f32, %out: f32):
    %r = arith.divf %x, %t : f32
    linalg.yield %r : f32
  } -> tensor<1x4x6x7xf32>
  // Drop the sink column and weight the values.
  %p = tensor.extract_slice %probs[0, 0, 0, 0] [1, 4, 6, 6] [1, 1, 1, 1] : tensor<1x4x6x7xf32> to tensor<1x4x6x6xf32>
  %e5 = tensor.empty() : tensor<1x4x6x8xf32>
  %z5 = linalg.fill ins(%zero : f32) outs(%e5 : tensor<1x4x6x8xf32>) -> tensor<1x4x6x8xf32>
  %o = linalg.generic {indexing_maps = [#pv_p, #pv_v, #pv_o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%p, %v : tensor<1x4x6x6xf32>, tensor<1x2x6x8xf32>) outs(%z5 : tensor<1x4x6x8xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  } -> tensor<1x4x6x8xf32>
  return %o : tensor<1x4x6x8xf32>
}
