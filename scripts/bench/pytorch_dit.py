"""Times one forward of the official hy3dgen 2.0.2 `Hunyuan3DDiT` on the CPU in float32, at the size
memoreez's `benches/hunyuan3d.rs` uses: width 512, 8 heads, 2 double + 4 single blocks, 3072 latents +
1370 context tokens (1536 wide), batch 2. Weights are zeros, as in the Rust bench (the arithmetic is
the same as with real ones).

Usage: PYTHON scripts/bench/pytorch_dit.py [HY3DGEN_DIR] [REPEATS]
HY3DGEN_DIR holds the unpacked `hy3dgen` package (pip download --no-deps hy3dgen==2.0.2, unzip);
only `hunyuan3ddit.py` is imported (it needs torch and einops), by path, so nothing else of the
package (and nothing that downloads) is loaded.
"""
import importlib.util
import os
import statistics
import sys
import time

import torch

root = sys.argv[1] if len(sys.argv) > 1 else "/tmp/hy3dgen"
repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
path = os.path.join(root, "hy3dgen/shapegen/models/denoisers/hunyuan3ddit.py")
spec = importlib.util.spec_from_file_location("hunyuan3ddit", path)
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)

torch.manual_seed(0)
model = mod.Hunyuan3DDiT(in_channels=64, context_in_dim=1536, hidden_size=512, num_heads=8, depth=2,
                         depth_single_blocks=4, guidance_embed=False).eval()
with torch.no_grad():
    for p in model.parameters():
        p.zero_()
x = torch.randn(2, 3072, 64)
t = torch.tensor([0.3, 0.3])
ctx = torch.randn(2, 1370, 1536)
print(f"torch {torch.__version__}, {torch.get_num_threads()} threads", flush=True)
times = []
cpu = []
with torch.inference_mode():
    model(x, t, {"main": ctx})  # warm-up
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        model(x, t, {"main": ctx})
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
print("dit forward (s):", " ".join(f"{s:.3f}" for s in times))
print("cpu time (s):", " ".join(f"{s:.3f}" for s in cpu))
print(f"median {statistics.median(times):.3f} s, min {min(times):.3f} s; cpu median {statistics.median(cpu):.3f} s")
