#!/usr/bin/env python3
"""Splits a `perf record` profile of `pipeline bench` into where the CPU time went.

Reads `perf report --stdio --no-children -g none --sort dso,sym -F sample,dso,sym -t SEP` on stdin (sample counts per
shared object and symbol) and prints one CSV row: the share of on-CPU samples per category and the ratio of all
samples to the compute kernels' samples (the issue's "step time vs the sum of its libtorch kernels").

Categories
  kernels     libtorch's compute: MKL/oneDNN (named, or the code they generate at run time, which perf shows as
              unnamed addresses in its [JIT] object), at::native / at::vec / Sleef loops, flash attention
  framework   the rest of libtorch and c10: dispatch, autograd bookkeeping, TensorIterator set-up, allocation
  openmp      libgomp: worker threads waiting at the end of a parallel loop (0 with one thread)
  os          the Linux kernel: page faults and page clearing behind fresh allocations, scheduling
  libc        memcpy / memset / malloc and the like
  dotnet      .NET: JIT-compiled managed code (named by the perf map), the runtime, TorchSharp's native shim
  other       the rest
Standard library only (Debian's python3).
"""
import re
import sys

SEP = "\x1f"
KERNEL_PATTERNS = re.compile(r"mkl_|dnnl|mkldnn|at::native::|at::vec::|Sleef|VectorizedLoop|cpu_kernel|"
                             r"serial_for_each|flash_attention|_avx|gemm|at::internal::invoke_parallel")


def category(dso: str, sym: str) -> str:
    if dso.startswith("[JIT]"):
        # .NET's JIT writes its methods to /tmp/perf-PID.map (DOTNET_PerfMapEnabled=1), so perf names them;
        # MKL's and oneDNN's run-time-generated kernels have no names.
        return "kernels" if re.fullmatch(r"0x[0-9a-f]+", sym) else "dotnet"
    if dso == "[kernel.kallsyms]":
        return "os"
    if dso.startswith("libgomp") or dso.startswith("libiomp"):
        return "openmp"
    if dso.startswith("libc.so") or dso.startswith("libm.so") or dso.startswith("ld-linux"):
        return "libc"
    if dso.startswith(("libcoreclr", "libclrjit", "libLibTorchSharp", "libSystem.", "System.", "memfd:doublemapper")):
        return "dotnet"
    if dso.startswith(("libtorch", "libc10")):
        if KERNEL_PATTERNS.search(sym):
            return "kernels"
        # C++ names are libtorch's own machinery; plain C names in libtorch_cpu are MKL's internals (its buffer
        # copies, blocking and memory manager), which belong to the matmuls.
        return "framework" if "::" in sym or sym.startswith("0x") else "kernels"
    return "other"


def main() -> None:
    label = sys.argv[1] if len(sys.argv) > 1 else "profile"
    totals: dict[str, int] = {}
    for line in sys.stdin:
        if line.startswith("#") or SEP not in line:
            continue
        fields = [f.strip() for f in line.rstrip("\n").split(SEP)]
        if len(fields) < 3 or not fields[0].isdigit():
            continue
        samples, dso, sym = int(fields[0]), fields[1], fields[2].removeprefix("[.] ").removeprefix("[k] ")
        key = category(dso, sym)
        totals[key] = totals.get(key, 0) + samples
    names = ["kernels", "framework", "openmp", "os", "libc", "dotnet", "other"]
    all_samples = sum(totals.values())
    if all_samples == 0:
        sys.exit("perf_categories.py: no samples on stdin (was perf report given -F sample,dso,sym and -t?)")
    shares = [totals.get(n, 0) / all_samples for n in names]
    ratio = all_samples / max(totals.get("kernels", 0), 1)
    ratio_busy = (all_samples - totals.get("openmp", 0)) / max(totals.get("kernels", 0), 1)
    if "--header" in sys.argv:
        print("profile,samples," + ",".join(names) + ",all_over_kernels,all_but_openmp_over_kernels")
    print(f"{label},{all_samples}," + ",".join(f"{s:.4f}" for s in shares) + f",{ratio:.3f},{ratio_busy:.3f}")


if __name__ == "__main__":
    main()
