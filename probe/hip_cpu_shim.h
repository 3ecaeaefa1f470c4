// A CPU stand-in for the subset of the HIP runtime that probe.hip.cpp uses, so the probe builds
// with plain g++ and its logic (checks, thresholds, JSON report, exit codes) can be tested on
// machines without a GPU. Kernels run as sequential loops over grid and block; they must not
// use shared memory or barriers. "Device" memory is host memory. The number of simulated
// devices comes from GPU_PROBE_CPU_DEVICES (default 1) so the peer-to-peer path can be tested;
// GPU_PROBE_CPU_NAME replaces the device name so a model's thresholds can be tested.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

#define PROBE_BACKEND_NAME "cpu"

#define __global__
#define __device__
#define __host__

struct dim3 {
    unsigned x, y, z;
    dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};

namespace hip_cpu {
inline dim3 &grid_dim() { static dim3 d; return d; }
inline dim3 &block_dim() { static dim3 d; return d; }
inline dim3 &block_idx() { static dim3 d; return d; }
inline dim3 &thread_idx() { static dim3 d; return d; }
inline int &current_device() { static int d = 0; return d; }
}  // namespace hip_cpu

#define gridDim (hip_cpu::grid_dim())
#define blockDim (hip_cpu::block_dim())
#define blockIdx (hip_cpu::block_idx())
#define threadIdx (hip_cpu::thread_idx())

typedef int hipError_t;
typedef void *hipStream_t;
struct hip_cpu_event { std::chrono::steady_clock::time_point at; };
typedef hip_cpu_event *hipEvent_t;

enum {
    hipSuccess = 0,
    hipErrorInvalidValue = 1,
    hipErrorOutOfMemory = 2,
    hipErrorInvalidDevice = 101,
};
enum hipMemcpyKind { hipMemcpyHostToDevice, hipMemcpyDeviceToHost, hipMemcpyDeviceToDevice };
#define hipHostMallocDefault 0u

struct hipDeviceProp_t {
    char name[256];
    char gcnArchName[256];
    size_t totalGlobalMem;
    int major, minor, multiProcessorCount;
    int pciDomainID, pciBusID, pciDeviceID;
};

inline const char *hipGetErrorString(hipError_t e) {
    switch (e) {
        case hipSuccess: return "no error";
        case hipErrorInvalidValue: return "invalid value";
        case hipErrorOutOfMemory: return "out of memory";
        case hipErrorInvalidDevice: return "invalid device";
        default: return "unknown error";
    }
}
inline hipError_t hipGetLastError() { return hipSuccess; }

inline int hip_cpu_device_count() {
    const char *v = std::getenv("GPU_PROBE_CPU_DEVICES");
    int n = v ? std::atoi(v) : 1;
    return n < 0 ? 0 : (n > 16 ? 16 : n);
}
inline size_t hip_cpu_physical_memory() {
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
    return pages > 0 && page > 0 ? (size_t)pages * (size_t)page : (size_t)1 << 30;
}
inline size_t hip_cpu_available_memory() {
    long pages = sysconf(_SC_AVPHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
    return pages > 0 && page > 0 ? (size_t)pages * (size_t)page : (size_t)1 << 29;
}

inline hipError_t hipGetDeviceCount(int *n) { *n = hip_cpu_device_count(); return hipSuccess; }
inline hipError_t hipGetDeviceProperties(hipDeviceProp_t *p, int dev) {
    if (dev < 0 || dev >= hip_cpu_device_count()) return hipErrorInvalidDevice;
    std::memset(p, 0, sizeof(*p));
    const char *name = std::getenv("GPU_PROBE_CPU_NAME");
    std::snprintf(p->name, sizeof p->name, "%s", name && *name ? name : "CPU shim device");
    std::strcpy(p->gcnArchName, "cpu");
    p->totalGlobalMem = hip_cpu_physical_memory();
    p->multiProcessorCount = 1;
    p->pciBusID = dev;
    return hipSuccess;
}
inline hipError_t hipSetDevice(int dev) {
    if (dev < 0 || dev >= hip_cpu_device_count()) return hipErrorInvalidDevice;
    hip_cpu::current_device() = dev;
    return hipSuccess;
}
inline hipError_t hipDeviceSynchronize() { return hipSuccess; }
inline hipError_t hipMemGetInfo(size_t *free_b, size_t *total_b) {
    *free_b = hip_cpu_available_memory();
    *total_b = hip_cpu_physical_memory();
    return hipSuccess;
}
template <typename T>
inline hipError_t hipMalloc(T **p, size_t n) {
    *p = static_cast<T *>(std::malloc(n ? n : 1));
    return *p ? hipSuccess : hipErrorOutOfMemory;
}
inline hipError_t hipFree(void *p) { std::free(p); return hipSuccess; }
template <typename T>
inline hipError_t hipHostMalloc(T **p, size_t n, unsigned) { return hipMalloc(p, n); }
inline hipError_t hipHostFree(void *p) { std::free(p); return hipSuccess; }
inline hipError_t hipMemcpy(void *dst, const void *src, size_t n, hipMemcpyKind) {
    std::memmove(dst, src, n);
    return hipSuccess;
}
inline hipError_t hipMemset(void *dst, int v, size_t n) { std::memset(dst, v, n); return hipSuccess; }
inline hipError_t hipMemcpyPeer(void *dst, int, const void *src, int, size_t n) {
    std::memmove(dst, src, n);
    return hipSuccess;
}
inline hipError_t hipDeviceCanAccessPeer(int *can, int, int) { *can = 1; return hipSuccess; }
inline hipError_t hipDeviceEnablePeerAccess(int, unsigned) { return hipSuccess; }
inline hipError_t hipEventCreate(hipEvent_t *e) { *e = new hip_cpu_event(); return hipSuccess; }
inline hipError_t hipEventDestroy(hipEvent_t e) { delete e; return hipSuccess; }
inline hipError_t hipEventRecord(hipEvent_t e, hipStream_t = nullptr) {
    e->at = std::chrono::steady_clock::now();
    return hipSuccess;
}
inline hipError_t hipEventSynchronize(hipEvent_t) { return hipSuccess; }
inline hipError_t hipEventElapsedTime(float *ms, hipEvent_t a, hipEvent_t b) {
    *ms = std::chrono::duration<float, std::milli>(b->at - a->at).count();
    return hipSuccess;
}
inline hipError_t hipRuntimeGetVersion(int *v) { *v = 0; return hipSuccess; }
inline hipError_t hipDriverGetVersion(int *v) { *v = 0; return hipSuccess; }

inline unsigned long long atomicAdd(unsigned long long *p, unsigned long long v) {
    unsigned long long old = *p;
    *p = old + v;
    return old;
}

namespace hip_cpu {
template <typename... P, typename... A>
inline void launch(void (*kernel)(P...), dim3 grid, dim3 block, A... args) {
    grid_dim() = grid;
    block_dim() = block;
    for (unsigned bz = 0; bz < grid.z; ++bz)
        for (unsigned by = 0; by < grid.y; ++by)
            for (unsigned bx = 0; bx < grid.x; ++bx) {
                block_idx() = dim3(bx, by, bz);
                for (unsigned tz = 0; tz < block.z; ++tz)
                    for (unsigned ty = 0; ty < block.y; ++ty)
                        for (unsigned tx = 0; tx < block.x; ++tx) {
                            thread_idx() = dim3(tx, ty, tz);
                            kernel(args...);
                        }
            }
}
}  // namespace hip_cpu

#define hipLaunchKernelGGL(kernel, grid, block, shmem, stream, ...) \
    ((void)(shmem), (void)(stream), hip_cpu::launch(kernel, dim3(grid), dim3(block), __VA_ARGS__))
