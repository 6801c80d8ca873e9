// Launchers that --attn-gpu-stage-buffers refuses.
// RUN: attn-opt %s --split-input-file --attn-gpu-stage-buffers --verify-diagnostics -o /dev/null

module attributes {gpu.container_module} {
  // expected-error @+1 {{'func.func' op attn-gpu-stage-buffers: launcher needs attn.gpu.kernel naming a gpu.func, and 3-element attn.gpu.grid and attn.gpu.block}}
  func.func private @launch(memref<4xf32>) attributes {attn.gpu.kernel = @k::@missing, attn.gpu.grid = array<i64: 1, 1, 1>, attn.gpu.block = array<i64: 32, 1, 1>}
  gpu.module @k {
    gpu.func @f(%a: memref<4xf32>) kernel {
      gpu.return
    }
  }
}

// -----

module attributes {gpu.container_module} {
  // expected-error @+1 {{'func.func' op attn-gpu-stage-buffers: launcher and kernel @k::@f take different arguments}}
  func.func private @launch(memref<8xf32>) attributes {attn.gpu.kernel = @k::@f, attn.gpu.grid = array<i64: 1, 1, 1>, attn.gpu.block = array<i64: 32, 1, 1>}
  gpu.module @k {
    gpu.func @f(%a: memref<4xf32>) kernel {
      gpu.return
    }
  }
}

// -----

module attributes {gpu.container_module} {
  // expected-error @+1 {{'func.func' op attn-gpu-stage-buffers: argument 0 of type 'memref<4xf32, strided<[2]>>' must be a statically shaped memref with the identity layout in the default memory space}}
  func.func private @launch(memref<4xf32, strided<[2]>>) attributes {attn.gpu.kernel = @k::@f, attn.gpu.grid = array<i64: 1, 1, 1>, attn.gpu.block = array<i64: 32, 1, 1>}
  gpu.module @k {
    gpu.func @f(%a: memref<4xf32, strided<[2]>>) kernel {
      gpu.return
    }
  }
}
