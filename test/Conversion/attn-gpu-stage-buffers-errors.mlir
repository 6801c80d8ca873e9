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
  // expected-error @+1 {{'func.func' op attn-gpu-stage-buffers: launcher must take the arguments of kernel @k::@f, then an index for each of the 0 dynamic entries of attn.gpu.grid}}
  func.func private @launch(memref<8xf32>) attributes {attn.gpu.kernel = @k::@f, attn.gpu.grid = array<i64: 1, 1, 1>, attn.gpu.block = array<i64: 32, 1, 1>}
  gpu.module @k {
    gpu.func @f(%a: memref<4xf32>) kernel {
      gpu.return
    }
  }
}

// -----

module attributes {gpu.container_module} {
  // expected-error @+1 {{'func.func' op attn-gpu-stage-buffers: argument 0 of type 'memref<4xf32, strided<[2]>>' must be a memref with the identity layout in the default memory space}}
  func.func private @launch(memref<4xf32, strided<[2]>>) attributes {attn.gpu.kernel = @k::@f, attn.gpu.grid = array<i64: 1, 1, 1>, attn.gpu.block = array<i64: 32, 1, 1>}
  gpu.module @k {
    gpu.func @f(%a: memref<4xf32, strided<[2]>>) kernel {
      gpu.return
    }
  }
}

// -----

// A dynamic grid entry without its index argument.
module attributes {gpu.container_module} {
  // expected-error @+1 {{'func.func' op attn-gpu-stage-buffers: launcher must take the arguments of kernel @k::@f, then an index for each of the 1 dynamic entries of attn.gpu.grid}}
  func.func private @launch(memref<?xf32>) attributes {attn.gpu.kernel = @k::@f, attn.gpu.grid = array<i64: -9223372036854775808, 1, 1>, attn.gpu.block = array<i64: 32, 1, 1>}
  gpu.module @k {
    gpu.func @f(%a: memref<?xf32>) kernel {
      gpu.return
    }
  }
}

// -----

// A trailing argument that is not an index.
module attributes {gpu.container_module} {
  // expected-error @+1 {{'func.func' op attn-gpu-stage-buffers: launcher must take the arguments of kernel @k::@f, then an index for each of the 1 dynamic entries of attn.gpu.grid}}
  func.func private @launch(memref<?xf32>, i32) attributes {attn.gpu.kernel = @k::@f, attn.gpu.grid = array<i64: -9223372036854775808, 1, 1>, attn.gpu.block = array<i64: 32, 1, 1>}
  gpu.module @k {
    gpu.func @f(%a: memref<?xf32>) kernel {
      gpu.return
    }
  }
}

// -----

module attributes {gpu.container_module} {
  // expected-error @+1 {{'func.func' op attn-gpu-stage-buffers: attn.gpu.grid has an empty dimension}}
  func.func private @launch(memref<4xf32>) attributes {attn.gpu.kernel = @k::@f, attn.gpu.grid = array<i64: 0, 1, 1>, attn.gpu.block = array<i64: 32, 1, 1>}
  gpu.module @k {
    gpu.func @f(%a: memref<4xf32>) kernel {
      gpu.return
    }
  }
}

// -----

module attributes {gpu.container_module} {
  // expected-error @+1 {{'func.func' op attn-gpu-stage-buffers: attn.gpu.block must be positive constants}}
  func.func private @launch(memref<4xf32>) attributes {attn.gpu.kernel = @k::@f, attn.gpu.grid = array<i64: 1, 1, 1>, attn.gpu.block = array<i64: -9223372036854775808, 1, 1>}
  gpu.module @k {
    gpu.func @f(%a: memref<4xf32>) kernel {
      gpu.return
    }
  }
}
