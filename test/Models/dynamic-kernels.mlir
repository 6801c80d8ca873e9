// The dynamic-shape exports of the zoo with their sizes unknown when the
// kernels are compiled: Inputs/dynamic_kernels.py gives each raised @main
// padded inputs and run-time lengths (0-d index tensors) and slices them back,
// so the fused CPU and GPU kernels take `?` sequence lengths (attn-run alone
// would specialise the entry to its inputs' sizes). Each result must match
// PyTorch's at 1e-4 with zeros in the padding, no op may be left for the
// reference lowering, and the kernels' buffers must have dynamic sizes.
// The GPU kernels run in attn-run's GPU simulator.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %S/Inputs/dynamic_kernels.py %t gpt2dyn-sdpa,llamadyn-eager,mistraldyn-sdpa,bertdyn-eager,llamakvdyn-sdpa cpu,gpu-sim attn-opt attn-run | FileCheck %s
// CHECK-COUNT-10: dynamic-kernels=True remarks=0 max_abs_err={{.*}} padding-zero=True PASS
// CHECK-NOT: FAIL
