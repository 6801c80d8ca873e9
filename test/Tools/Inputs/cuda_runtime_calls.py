"""Calls the entry points of libAttnCudaRuntime.so the way lowered host code
does, on a machine without a usable CUDA driver: every call must return
(null handles, no crash), print an error that names the entry point, and
leave the first error for attnCudaLastError."""

import ctypes
import sys

lib = ctypes.CDLL(sys.argv[1])
vp = ctypes.c_void_p
lib.mgpuStreamCreate.restype = vp
lib.mgpuMemAlloc.restype = vp
lib.mgpuMemAlloc.argtypes = [ctypes.c_uint64, vp, ctypes.c_bool]
lib.mgpuModuleLoad.restype = vp
lib.mgpuModuleLoad.argtypes = [vp, ctypes.c_size_t]
lib.mgpuModuleGetFunction.restype = vp
lib.mgpuModuleGetFunction.argtypes = [vp, ctypes.c_char_p]
lib.mgpuLaunchKernel.argtypes = [vp] + [ctypes.c_int64] * 6 + [
    ctypes.c_int32, vp, vp, vp, ctypes.c_size_t]
lib.mgpuMemcpy.argtypes = [vp, vp, ctypes.c_size_t, vp]
lib.mgpuMemFree.argtypes = [vp, vp]
lib.mgpuStreamSynchronize.argtypes = [vp]
lib.mgpuStreamDestroy.argtypes = [vp]
lib.attnCudaLastError.restype = ctypes.c_char_p
lib.attnCudaProbe.argtypes = [ctypes.c_char_p, ctypes.c_size_t]

buf = ctypes.create_string_buffer(512)
print("probe:", lib.attnCudaProbe(buf, 512), buf.value.decode())
blob = ctypes.create_string_buffer(b"\x7fELF", 16)
module = lib.mgpuModuleLoad(blob, 16)
function = lib.mgpuModuleGetFunction(module, b"attention")
stream = lib.mgpuStreamCreate()
host = ctypes.create_string_buffer(64)
device = lib.mgpuMemAlloc(64, stream, False)
lib.mgpuMemcpy(device, host, 64, stream)
lib.mgpuLaunchKernel(function, 1, 1, 1, 64, 1, 1, 0, stream, None, None, 0)
lib.mgpuMemcpy(host, device, 64, stream)
lib.mgpuMemFree(device, stream)
lib.mgpuStreamSynchronize(stream)
lib.mgpuStreamDestroy(stream)
print("handles:", module, function, stream, device)
print("first error:", lib.attnCudaLastError().decode())
