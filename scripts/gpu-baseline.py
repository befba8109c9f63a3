#!/usr/bin/env python3
# The vendor-library baseline gpu-run.sh measures beside gpuproof, so the kit's figures can be
# read as ratios: cuBLAS SGEMM (TF32 off, as the kit's f32 path is exact FP32), the FP16 and INT8
# GEMMs of the tensor path, and a triad's copy bandwidth. The operands are the same small
# integers the kit multiplies, so no fast path sees easier data than the kit does.
# Usage: python3 scripts/gpu-baseline.py N MIB   (prints one JSON object)
import json, sys, torch

n, mib = int(sys.argv[1]), int(sys.argv[2])
torch.backends.cuda.matmul.allow_tf32 = False           # true FP32 SGEMM, as the kit's f32 path

def per_call(f, reps=10):                               # seconds a call, CUDA events, after warm-up
    for _ in range(3): f()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(reps): f()
    end.record(); torch.cuda.synchronize()
    return start.elapsed_time(end) / 1e3 / reps

a, b = (torch.randint(-8, 9, (n, n), device="cuda", dtype=torch.float32) for _ in range(2))
ah, bh = a.half(), b.half()
tera = 2 * n**3 / 1e12                                  # the same small integers the kit multiplies
out = {"device": torch.cuda.get_device_name(),
       "sgemm_f32_tflops": tera / per_call(lambda: a @ b),
       "gemm_f16_tflops": tera / per_call(lambda: ah @ bh),
       "gemm_i8_tops": None}
try:                                                    # a private API, not in every build
    a8 = a.to(torch.int8)
    b8 = b.to(torch.int8).t().contiguous().t()          # column-major, as the int8 GEMM wants
    out["gemm_i8_tops"] = tera / per_call(lambda: torch._int_mm(a8, b8))
except Exception:
    pass
x, y, z = (torch.rand(mib * 2**20 // 4, device="cuda") for _ in range(3))
out["triad_gbs"] = 3 * x.numel() * 4 / per_call(lambda: torch.add(x, y, alpha=3.0, out=z)) / 1e9
print(json.dumps(out))
