// gpu-image-probe: checks that a machine image's GPUs are present, healthy and fast enough.
//
// One source, three builds (picked by macros):
//   hipcc -x hip --offload-arch=gfx90a --offload-arch=gfx942 -O2 -std=c++17 probe.hip.cpp   (AMD, HIP)
//   nvcc -x cu -arch=sm_90 -O2 -std=c++17 probe.hip.cpp                                   (NVIDIA, via hip_compat_cuda.h)
//   g++ -O2 -std=c++17 probe.hip.cpp                                                      (CPU shim, for tests)
//
// Logs go to stderr. The last stdout line is one JSON object (schema "gpu-image-probe/1").
// Exit status: 0 pass or warn, 1 fail, 2 could not run.

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>
#include <unistd.h>

#if defined(__HIP__) || defined(__HIPCC__)
#include <hip/hip_runtime.h>
#define PROBE_BACKEND_NAME "hip"
#define PROBE_BACKEND_HIP 1
#elif defined(__CUDACC__)
#include "hip_compat_cuda.h"
#define PROBE_BACKEND_CUDA 1
#else
#include "hip_cpu_shim.h"
#define PROBE_BACKEND_CPU 1
#endif

#define PROBE_SCHEMA "gpu-image-probe/1"
#define PROBE_VERSION "1.0.0"

typedef unsigned long long u64;
static const double GIB = 1024.0 * 1024.0 * 1024.0;
static const double NONE = std::numeric_limits<double>::quiet_NaN();

// ---------------------------------------------------------------------------------------------
// Kernels. Grid-stride loops keep grids small for huge buffers; no shared memory or barriers,
// so the CPU shim can run them as plain loops.

__global__ void k_touch(u64 *p, size_t n) {
    size_t stride = (size_t)gridDim.x * blockDim.x;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride)
        p[i] = (u64)(uintptr_t)(p + i);
}

__global__ void k_verify_touch(const u64 *p, size_t n, u64 *bad) {
    size_t stride = (size_t)gridDim.x * blockDim.x;
    u64 count = 0;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride)
        if (p[i] != (u64)(uintptr_t)(p + i)) ++count;
    if (count) atomicAdd(bad, count);
}

__global__ void k_saxpy(size_t n, float a, const float *x, float *y) {
    size_t stride = (size_t)gridDim.x * blockDim.x;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride)
        y[i] = a * x[i] + y[i];
}

// fault_index >= 0 adds 1 to that element of C: the test-only fault switch.
__global__ void k_gemm(int n, const float *a, const float *b, float *c, long long fault_index) {
    int row = blockIdx.y * blockDim.y + threadIdx.y;
    int col = blockIdx.x * blockDim.x + threadIdx.x;
    if (row >= n || col >= n) return;
    float acc = 0.0f;
    for (int k = 0; k < n; ++k) acc += a[row * n + k] * b[k * n + col];
    if ((long long)row * n + col == fault_index) acc += 1.0f;
    c[row * n + col] = acc;
}

__global__ void k_stream_init(double *a, double *b, double *c, size_t n) {
    size_t stride = (size_t)gridDim.x * blockDim.x;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
        a[i] = 0.1;
        b[i] = 0.2;
        c[i] = 0.0;
    }
}

// One element per thread, as BabelStream does for its bandwidth kernels.
__global__ void k_stream_copy(const double *a, double *c, size_t n) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) c[i] = a[i];
}

__global__ void k_stream_triad(double *a, const double *b, const double *c, double scalar, size_t n) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) a[i] = b[i] + scalar * c[i];
}

__global__ void k_verify_value(const double *p, size_t n, double expected, u64 *bad) {
    size_t stride = (size_t)gridDim.x * blockDim.x;
    u64 count = 0;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
        double d = p[i] - expected;
        if (d > 1e-12 || d < -1e-12) ++count;
    }
    if (count) atomicAdd(bad, count);
}

__host__ __device__ inline unsigned pattern_word(size_t i, unsigned seed) {
    return (unsigned)(i * 2654435761u) ^ seed;
}

__global__ void k_fill_pattern(unsigned *p, size_t n, unsigned seed) {
    size_t stride = (size_t)gridDim.x * blockDim.x;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride)
        p[i] = pattern_word(i, seed);
}

__global__ void k_verify_pattern(const unsigned *p, size_t n, unsigned seed, u64 *bad) {
    size_t stride = (size_t)gridDim.x * blockDim.x;
    u64 count = 0;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride)
        if (p[i] != pattern_word(i, seed)) ++count;
    if (count) atomicAdd(bad, count);
}

// ---------------------------------------------------------------------------------------------
// Host helpers: logging, errors, RAII buffers, timing.

static void logf(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    std::fputs("[gpu-probe] ", stderr);
    std::vfprintf(stderr, fmt, ap);
    std::fputc('\n', stderr);
    va_end(ap);
}

struct ProbeError : std::runtime_error {
    explicit ProbeError(const std::string &m) : std::runtime_error(m) {}
};

#define TRY(call)                                                                          \
    do {                                                                                   \
        hipError_t e_ = (call);                                                            \
        if (e_ != hipSuccess) throw ProbeError(std::string(#call) + ": " + hipGetErrorString(e_)); \
    } while (0)

#define LAUNCH(kernel, grid, block, ...)                                   \
    do {                                                                   \
        hipLaunchKernelGGL(kernel, grid, block, 0, 0, __VA_ARGS__);        \
        TRY(hipGetLastError());                                            \
    } while (0)

template <typename T>
struct DevBuf {
    T *p = nullptr;
    size_t n = 0;
    DevBuf() {}
    explicit DevBuf(size_t count) : n(count) { TRY(hipMalloc((void **)&p, count * sizeof(T))); }
    // Returns false instead of throwing: the memory-touch check probes how much it can get.
    bool try_alloc(size_t count) {
        n = count;
        if (hipMalloc((void **)&p, count * sizeof(T)) != hipSuccess) {
            p = nullptr;
            (void)hipGetLastError();
            return false;
        }
        return true;
    }
    ~DevBuf() {
        if (p) (void)hipFree(p);
    }
    DevBuf(const DevBuf &) = delete;
    DevBuf &operator=(const DevBuf &) = delete;
    DevBuf(DevBuf &&o) noexcept : p(o.p), n(o.n) { o.p = nullptr; }
};

template <typename T>
struct HostPinned {
    T *p = nullptr;
    explicit HostPinned(size_t count) { TRY(hipHostMalloc((void **)&p, count * sizeof(T), hipHostMallocDefault)); }
    ~HostPinned() {
        if (p) (void)hipHostFree(p);
    }
    HostPinned(const HostPinned &) = delete;
    HostPinned &operator=(const HostPinned &) = delete;
};

struct Event {
    hipEvent_t e;
    Event() { TRY(hipEventCreate(&e)); }
    ~Event() { (void)hipEventDestroy(e); }
    Event(const Event &) = delete;
    Event &operator=(const Event &) = delete;
};

static double elapsed_ms(Event &a, Event &b) {
    TRY(hipEventSynchronize(b.e));
    float ms = 0;
    TRY(hipEventElapsedTime(&ms, a.e, b.e));
    return ms;
}

static double median(std::vector<double> v) {
    if (v.empty()) return NONE;
    std::sort(v.begin(), v.end());
    size_t m = v.size() / 2;
    return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

static unsigned grid_for(size_t n, unsigned block, unsigned cap = 65536) {
    size_t g = (n + block - 1) / block;
    if (g < 1) g = 1;
    return (unsigned)std::min<size_t>(g, cap);
}

static u64 read_counter(DevBuf<u64> &c) {
    TRY(hipDeviceSynchronize());
    u64 v = 0;
    TRY(hipMemcpy(&v, c.p, sizeof(v), hipMemcpyDeviceToHost));
    return v;
}

// ---------------------------------------------------------------------------------------------
// JSON output.

static std::string jstr(const std::string &s) {
    std::string o = "\"";
    for (unsigned char ch : s) {
        switch (ch) {
            case '"': o += "\\\""; break;
            case '\\': o += "\\\\"; break;
            case '\n': o += "\\n"; break;
            case '\r': o += "\\r"; break;
            case '\t': o += "\\t"; break;
            default:
                if (ch < 0x20) {
                    char b[8];
                    std::snprintf(b, sizeof b, "\\u%04x", ch);
                    o += b;
                } else {
                    o += (char)ch;
                }
        }
    }
    return o + "\"";
}

static std::string jnum(double v) {
    if (!std::isfinite(v)) return "null";
    char b[64];
    if (v == std::floor(v) && std::fabs(v) < 1e15)
        std::snprintf(b, sizeof b, "%.0f", v);
    else
        std::snprintf(b, sizeof b, "%.4f", v);
    std::string o = b;
    if (o.find('.') != std::string::npos) {
        while (o.back() == '0') o.pop_back();
        if (o.back() == '.') o.pop_back();
    }
    return o;
}

// ---------------------------------------------------------------------------------------------
// Thresholds keyed by model. Bandwidths in GB/s (1e9 bytes/s). NaN means "no threshold".
// MI300X anchors (copy fail < 2500, warn < 3500; host<->device fail < 20, warn < 40; P2P >= 43.7
// per pair) are from AMD's MI300X validation guidance; other AMD parts scale the MI300X HBM anchors
// by their peak. NVIDIA parts use fail < 0.5 x peak, warn < 0.6 x peak: a healthy H200 measured
// copy 0.72 x peak and triad 0.82 x peak with these kernels (probe/README.md), so 0.75 warned on
// healthy machines. PCIe Gen4 parts get halved host<->device limits. Unknown models (and the CPU
// backend) are reported, never failed.

struct Limits {
    double copy_fail = NONE, copy_warn = NONE, triad_fail = NONE, triad_warn = NONE;
    double h2d_fail = NONE, h2d_warn = NONE, d2h_fail = NONE, d2h_warn = NONE;
    double p2p_fail = NONE, p2p_warn = NONE;
};

struct ModelSpec {
    const char *model;
    const char *match;  // case-insensitive substring of the device name; first match wins
    double hbm_peak_gbps, copy_fail, copy_warn, hd_fail, hd_warn, p2p_fail;
};

static const double AMD_FAIL_RATIO = 2500.0 / 5300.0, AMD_WARN_RATIO = 3500.0 / 5300.0;
static const double NV_FAIL_RATIO = 0.5, NV_WARN_RATIO = 0.6;

static const ModelSpec MODELS[] = {
    {"MI300X", "MI300X", 5300, 2500, 3500, 20, 40, 43.7},
    {"MI325X", "MI325X", 6000, 6000 * AMD_FAIL_RATIO, 6000 * AMD_WARN_RATIO, 20, 40, 43.7},
    {"MI250X", "MI250", 1638, 1638 * AMD_FAIL_RATIO, 1638 * AMD_WARN_RATIO, 10, 20, NONE},
    {"MI210", "MI210", 1638, 1638 * AMD_FAIL_RATIO, 1638 * AMD_WARN_RATIO, 10, 20, NONE},
    {"GH200", "GH200", 4000, 4000 * NV_FAIL_RATIO, 4000 * NV_WARN_RATIO, 20, 40, NONE},
    {"H200", "H200", 4800, 4800 * NV_FAIL_RATIO, 4800 * NV_WARN_RATIO, 20, 40, 43.7},
    {"H100 PCIe", "H100 PCIe", 2000, 2000 * NV_FAIL_RATIO, 2000 * NV_WARN_RATIO, 20, 40, NONE},
    {"H100 NVL", "H100 NVL", 3900, 3900 * NV_FAIL_RATIO, 3900 * NV_WARN_RATIO, 20, 40, NONE},
    {"H100 SXM", "H100", 3350, 3350 * NV_FAIL_RATIO, 3350 * NV_WARN_RATIO, 20, 40, 43.7},
    {"B200", "B200", 8000, 8000 * NV_FAIL_RATIO, 8000 * NV_WARN_RATIO, 20, 40, 43.7},
    {"A100", "A100", 1555, 1555 * NV_FAIL_RATIO, 1555 * NV_WARN_RATIO, 10, 20, NONE},
};

static bool icontains(const std::string &hay, const char *needle) {
    std::string h = hay, n = needle;
    for (auto &c : h) c = (char)std::tolower((unsigned char)c);
    for (auto &c : n) c = (char)std::tolower((unsigned char)c);
    return h.find(n) != std::string::npos;
}

// The CPU shim's device name ("CPU shim device") matches no model, so it is reported only.
static const ModelSpec *find_model(const std::string &name) {
    for (const auto &m : MODELS)
        if (icontains(name, m.match)) return &m;
    return nullptr;
}

static Limits limits_for(const ModelSpec *m) {
    Limits l;
    if (!m) return l;
    l.copy_fail = l.triad_fail = m->copy_fail;
    l.copy_warn = l.triad_warn = m->copy_warn;
    l.h2d_fail = l.d2h_fail = m->hd_fail;
    l.h2d_warn = l.d2h_warn = m->hd_warn;
    l.p2p_fail = m->p2p_fail;
    return l;
}

// ---------------------------------------------------------------------------------------------
// A minimal parser for the flat --thresholds object: {"key": number|string|null, ...}.

struct JVal {
    enum Kind { Num, Str, Null, Bool } kind = Null;
    double num = 0;
    std::string str;
};

static bool parse_flat_json(const std::string &s, std::vector<std::pair<std::string, JVal>> &out, std::string &err) {
    size_t i = 0;
    auto ws = [&] { while (i < s.size() && std::isspace((unsigned char)s[i])) ++i; };
    auto str = [&](std::string &o) -> bool {
        if (i >= s.size() || s[i] != '"') return false;
        ++i;
        while (i < s.size() && s[i] != '"') {
            if (s[i] == '\\' && i + 1 < s.size()) {
                char e = s[++i];
                o += e == 'n' ? '\n' : e == 't' ? '\t' : e;
            } else {
                o += s[i];
            }
            ++i;
        }
        if (i >= s.size()) return false;
        ++i;
        return true;
    };
    ws();
    if (i >= s.size() || s[i] != '{') { err = "expected '{'"; return false; }
    ++i;
    ws();
    if (i < s.size() && s[i] == '}') { ++i; ws(); return i == s.size() || (err = "trailing characters", false); }
    while (true) {
        ws();
        std::string key;
        if (!str(key)) { err = "expected a quoted key"; return false; }
        ws();
        if (i >= s.size() || s[i] != ':') { err = "expected ':' after \"" + key + "\""; return false; }
        ++i;
        ws();
        JVal v;
        if (i < s.size() && s[i] == '"') {
            v.kind = JVal::Str;
            if (!str(v.str)) { err = "unterminated string for \"" + key + "\""; return false; }
        } else if (s.compare(i, 4, "null") == 0) {
            v.kind = JVal::Null;
            i += 4;
        } else if (s.compare(i, 4, "true") == 0 || s.compare(i, 5, "false") == 0) {
            v.kind = JVal::Bool;
            v.num = s[i] == 't' ? 1 : 0;
            i += s[i] == 't' ? 4 : 5;
        } else {
            const char *begin = s.c_str() + i;
            char *end = nullptr;
            errno = 0;
            v.num = std::strtod(begin, &end);
            if (end == begin || errno != 0 || !std::isfinite(v.num)) { err = "bad number for \"" + key + "\""; return false; }
            v.kind = JVal::Num;
            i += (size_t)(end - begin);
        }
        out.emplace_back(key, v);
        ws();
        if (i < s.size() && s[i] == ',') { ++i; continue; }
        if (i < s.size() && s[i] == '}') { ++i; break; }
        err = "expected ',' or '}' after \"" + key + "\"";
        return false;
    }
    ws();
    if (i != s.size()) { err = "trailing characters"; return false; }
    return true;
}

// ---------------------------------------------------------------------------------------------
// Options.

struct Options {
    int expect_gpus = -1;
    std::string expect_arch;
    double min_memory_gib = NONE;
    double mem_fraction = 0.9;
    std::vector<std::pair<std::string, JVal>> overrides;  // from --thresholds, applied to every device
    std::string fault;
    std::vector<std::string> skip;
    int timeout_s = 900;
};

static const char *USAGE =
    "usage: gpu-probe [--expect-gpus N] [--expect-arch gfx942|sm_90] [--min-memory-gib X]\n"
    "                 [--mem-fraction F] [--thresholds JSON|@file] [--skip LIST] [--timeout-s N]\n"
    "                 [--fault gemm]\n"
    "  --min-memory-gib X   expected memory per GPU; fail below 0.95 x X\n"
    "  --mem-fraction F     fraction of free memory the memory-touch check allocates (default 0.9)\n"
    "  --thresholds JSON    overrides: hbm_copy_fail_gbps hbm_copy_warn_gbps hbm_triad_fail_gbps\n"
    "                       hbm_triad_warn_gbps h2d_fail_gbps h2d_warn_gbps d2h_fail_gbps d2h_warn_gbps\n"
    "                       p2p_fail_gbps p2p_warn_gbps (null removes one), and expect_gpus,\n"
    "                       expect_arch, min_memory_gib, mem_fraction\n"
    "  --skip LIST          comma list of: memory_touch compute hbm host_device p2p ecc\n"
    "  --fault gemm         test only: corrupt one GEMM element (also GPU_PROBE_FAULT=gemm)\n";

static const char *LIMIT_KEYS[] = {"hbm_copy_fail_gbps", "hbm_copy_warn_gbps", "hbm_triad_fail_gbps",
                                   "hbm_triad_warn_gbps", "h2d_fail_gbps", "h2d_warn_gbps",
                                   "d2h_fail_gbps", "d2h_warn_gbps", "p2p_fail_gbps", "p2p_warn_gbps"};

static double *limit_slot(Limits &l, const std::string &key) {
    double *slots[] = {&l.copy_fail, &l.copy_warn, &l.triad_fail, &l.triad_warn, &l.h2d_fail,
                       &l.h2d_warn,  &l.d2h_fail,  &l.d2h_warn,   &l.p2p_fail,   &l.p2p_warn};
    for (size_t k = 0; k < sizeof(LIMIT_KEYS) / sizeof(LIMIT_KEYS[0]); ++k)
        if (key == LIMIT_KEYS[k]) return slots[k];
    return nullptr;
}

static bool parse_double(const std::string &s, double &out) {
    char *end = nullptr;
    errno = 0;
    out = std::strtod(s.c_str(), &end);
    return !s.empty() && end && *end == '\0' && errno == 0 && std::isfinite(out);
}

static bool parse_int(const std::string &s, int &out) {
    double d;
    if (!parse_double(s, d) || d != std::floor(d) || d < 0 || d > 1e6) return false;
    out = (int)d;
    return true;
}

static bool apply_thresholds_json(Options &o, const std::string &text, std::string &err) {
    std::vector<std::pair<std::string, JVal>> kv;
    if (!parse_flat_json(text, kv, err)) { err = "--thresholds: " + err; return false; }
    Limits scratch;
    for (auto &p : kv) {
        const std::string &k = p.first;
        const JVal &v = p.second;
        if (limit_slot(scratch, k)) {
            if (v.kind != JVal::Num && v.kind != JVal::Null) { err = "--thresholds: " + k + " must be a number or null"; return false; }
            o.overrides.push_back(p);
        } else if (k == "expect_gpus" && v.kind == JVal::Num) {
            o.expect_gpus = (int)v.num;
        } else if (k == "expect_arch" && v.kind == JVal::Str) {
            o.expect_arch = v.str;
        } else if (k == "min_memory_gib" && v.kind == JVal::Num) {
            o.min_memory_gib = v.num;
        } else if (k == "mem_fraction" && v.kind == JVal::Num) {
            o.mem_fraction = v.num;
        } else {
            err = "--thresholds: unknown key or wrong type: " + k;
            return false;
        }
    }
    return true;
}

static bool parse_args(int argc, char **argv, Options &o, std::string &err, bool &help) {
    help = false;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i], v;
        size_t eq = a.find('=');
        bool inline_value = a.rfind("--", 0) == 0 && eq != std::string::npos;
        if (inline_value) {
            v = a.substr(eq + 1);
            a = a.substr(0, eq);
        }
        auto value = [&]() -> bool {
            if (inline_value) return true;
            if (i + 1 >= argc) { err = a + " needs a value"; return false; }
            v = argv[++i];
            return true;
        };
        if (a == "--help" || a == "-h") { help = true; return true; }
        if (a == "--expect-gpus") {
            if (!value() || !parse_int(v, o.expect_gpus)) return err.empty() ? (err = "--expect-gpus: not a count: " + v, false) : false;
        } else if (a == "--expect-arch") {
            if (!value()) return false;
            o.expect_arch = v;
        } else if (a == "--min-memory-gib" || a == "--expect-memory-gib") {
            if (!value() || !parse_double(v, o.min_memory_gib) || o.min_memory_gib < 0)
                return err.empty() ? (err = a + ": not a size: " + v, false) : false;
        } else if (a == "--mem-fraction") {
            if (!value() || !parse_double(v, o.mem_fraction))
                return err.empty() ? (err = "--mem-fraction: not a number: " + v, false) : false;
        } else if (a == "--thresholds") {
            if (!value()) return false;
            std::string text = v;
            if (!text.empty() && text[0] == '@') {
                std::ifstream f(text.substr(1));
                if (!f) { err = "--thresholds: cannot read " + text.substr(1); return false; }
                std::stringstream ss;
                ss << f.rdbuf();
                text = ss.str();
            }
            if (!apply_thresholds_json(o, text, err)) return false;
        } else if (a == "--fault") {
            if (!value()) return false;
            o.fault = v;
        } else if (a == "--skip") {
            if (!value()) return false;
            std::stringstream ss(v);
            std::string item;
            while (std::getline(ss, item, ','))
                if (!item.empty()) o.skip.push_back(item);
        } else if (a == "--timeout-s") {
            if (!value() || !parse_int(v, o.timeout_s)) return err.empty() ? (err = "--timeout-s: not a count: " + v, false) : false;
        } else {
            err = "unknown argument: " + a;
            return false;
        }
    }
    if (!(o.mem_fraction > 0 && o.mem_fraction <= 0.98)) {
        err = "--mem-fraction must be in (0, 0.98]";
        return false;
    }
    if (!o.fault.empty() && o.fault != "gemm") {
        err = "--fault: only 'gemm' is supported";
        return false;
    }
    static const char *groups[] = {"memory_touch", "compute", "hbm", "host_device", "p2p", "ecc"};
    for (auto &s : o.skip) {
        bool known = false;
        for (auto g : groups) known = known || s == g;
        if (!known) { err = "--skip: unknown check group: " + s; return false; }
    }
    return true;
}

// ---------------------------------------------------------------------------------------------
// Report model.

struct Check {
    std::string id;
    int device = -1;  // -1: not tied to one device
    int peer = -1;
    std::string status = "pass";
    std::string value = "null";  // JSON text
    std::string unit;
    std::vector<std::pair<std::string, std::string>> thresholds;  // key -> JSON text
    std::string detail;

    void threshold(const char *k, double v) {
        if (std::isfinite(v)) thresholds.emplace_back(k, jnum(v));
    }
    std::string json() const {
        std::string o = "{\"id\":" + jstr(id) + ",\"device\":" + (device < 0 ? "null" : std::to_string(device));
        if (peer >= 0) o += ",\"peer\":" + std::to_string(peer);
        o += ",\"status\":" + jstr(status) + ",\"value\":" + value + ",\"unit\":" + jstr(unit) + ",\"thresholds\":{";
        for (size_t i = 0; i < thresholds.size(); ++i)
            o += (i ? "," : "") + jstr(thresholds[i].first) + ":" + thresholds[i].second;
        return o + "},\"detail\":" + jstr(detail) + "}";
    }
};

struct DeviceInfo {
    int index = 0;
    std::string name, arch, pci;
    int domain = 0, bus = 0, dev = 0;
    size_t total = 0, free_b = 0;
    int compute_units = 0;
    const ModelSpec *model = nullptr;
    Limits limits;

    std::string json() const {
        return "{\"index\":" + std::to_string(index) + ",\"name\":" + jstr(name) + ",\"arch\":" + jstr(arch) +
               ",\"model\":" + (model ? jstr(model->model) : "null") +
               ",\"total_memory_bytes\":" + std::to_string(total) + ",\"free_memory_bytes\":" + std::to_string(free_b) +
               ",\"compute_units\":" + std::to_string(compute_units) +
               ",\"pci_bus_id\":" + (pci.empty() ? "null" : jstr(pci)) + "}";
    }
};

struct Probe {
    Options opt;
    std::vector<DeviceInfo> devices;
    std::vector<Check> checks;
    std::vector<std::string> errors;
    std::string runtime_version, driver_version;
    bool fatal = false;

    bool skipped(const char *group) const {
        return std::find(opt.skip.begin(), opt.skip.end(), group) != opt.skip.end();
    }

    void add(Check c) {
        logf("check %-13s dev=%-2s %-4s value=%s %s %s", c.id.c_str(),
             c.device < 0 ? "-" : std::to_string(c.device).c_str(), c.status.c_str(), c.value.c_str(),
             c.unit.c_str(), c.detail.c_str());
        checks.push_back(std::move(c));
    }

    void add_skip(const char *id, int device, const std::string &why) {
        Check c;
        c.id = id;
        c.device = device;
        c.status = "skip";
        c.detail = why;
        add(c);
    }

    // Runs body(c); an exception marks the check failed and records the error.
    template <typename F>
    void run(const char *id, int device, const char *unit, F body) {
        Check c;
        c.id = id;
        c.device = device;
        c.unit = unit;
        try {
            body(c);
        } catch (const std::exception &e) {
            c.status = "fail";
            c.detail = std::string("error: ") + e.what();
            errors.push_back(std::string(id) + (device >= 0 ? " (device " + std::to_string(device) + ")" : "") +
                             ": " + e.what());
            (void)hipGetLastError();
        }
        add(c);
    }

    // Sets status from value against fail/warn floors; no floors means "reported only".
    static void grade_min(Check &c, double v, double fail_below, double warn_below, const DeviceInfo &d) {
        c.value = jnum(v);
        c.threshold("fail_below", fail_below);
        c.threshold("warn_below", warn_below);
        if (std::isfinite(fail_below) && v < fail_below)
            c.status = "fail";
        else if (std::isfinite(warn_below) && v < warn_below)
            c.status = "warn";
        if (!std::isfinite(fail_below) && !std::isfinite(warn_below))
            c.detail += (c.detail.empty() ? "" : "; ") + std::string("no reference thresholds for '") + d.name +
                        "'; reported only";
    }

    std::string verdict() const {
        if (fatal) return "error";
        bool warn = false;
        for (auto &c : checks) {
            if (c.status == "fail") return "fail";
            warn = warn || c.status == "warn";
        }
        return warn ? "warn" : "pass";
    }

    std::string json(double duration_ms) const {
        std::string o = "{\"schema\":" + jstr(PROBE_SCHEMA) + ",\"probe_version\":" + jstr(PROBE_VERSION) +
                        ",\"verdict\":" + jstr(verdict()) + ",\"backend\":" + jstr(PROBE_BACKEND_NAME) +
                        ",\"runtime_version\":" + (runtime_version.empty() ? "null" : jstr(runtime_version)) +
                        ",\"driver_version\":" + (driver_version.empty() ? "null" : jstr(driver_version)) +
                        ",\"duration_ms\":" + jnum(std::round(duration_ms)) + ",\"devices\":[";
        for (size_t i = 0; i < devices.size(); ++i) o += (i ? "," : "") + devices[i].json();
        o += "],\"checks\":[";
        for (size_t i = 0; i < checks.size(); ++i) o += (i ? "," : "") + checks[i].json();
        o += "],\"errors\":[";
        for (size_t i = 0; i < errors.size(); ++i) o += (i ? "," : "") + jstr(errors[i]);
        return o + "]}";
    }
};

// ---------------------------------------------------------------------------------------------
// Sizes: real GPUs get buffers far larger than any cache (MI300X has 256 MiB of Infinity Cache);
// the CPU shim gets small ones so tests stay fast.

#if PROBE_BACKEND_CPU
static const size_t TOUCH_CAP_BYTES = (size_t)64 << 20, TOUCH_CHUNK_MAX = (size_t)16 << 20, TOUCH_CHUNK_MIN = (size_t)4 << 20;
static const size_t STREAM_ELEMS = (size_t)1 << 20;
static const size_t HOST_BYTES = (size_t)16 << 20, P2P_BYTES = (size_t)8 << 20;
static const int STREAM_REPS = 5, COPY_REPS = 5, P2P_REPS = 3;
#else
static const size_t TOUCH_CAP_BYTES = std::numeric_limits<size_t>::max();
static const size_t TOUCH_CHUNK_MAX = (size_t)4 << 30, TOUCH_CHUNK_MIN = (size_t)1 << 30;
static const size_t STREAM_ELEMS = (size_t)1 << 27;  // 1 GiB per array
static const size_t HOST_BYTES = (size_t)256 << 20, P2P_BYTES = (size_t)256 << 20;
static const int STREAM_REPS = 20, COPY_REPS = 10, P2P_REPS = 5;
#endif
static const unsigned BLOCK = 256;

// ---------------------------------------------------------------------------------------------
// Checks.

static std::string fmt(const char *f, ...) {
    char b[512];
    va_list ap;
    va_start(ap, f);
    std::vsnprintf(b, sizeof b, f, ap);
    va_end(ap);
    return b;
}

static std::string base_arch(const std::string &a) { return a.substr(0, a.find(':')); }

static void discover(Probe &pr) {
    int n = 0;
    hipError_t e = hipGetDeviceCount(&n);
    int rv = 0, dv = 0;
    if (hipRuntimeGetVersion(&rv) == hipSuccess && rv > 0) {
#if PROBE_BACKEND_HIP
        pr.runtime_version = fmt("%d.%d.%d", rv / 10000000, (rv / 100000) % 100, rv % 100000);
#else
        pr.runtime_version = fmt("%d.%d", rv / 1000, (rv % 1000) / 10);
#endif
    }
#if PROBE_BACKEND_CPU
    pr.runtime_version = "cpu-shim";
#endif
    (void)hipGetLastError();
    if (hipDriverGetVersion(&dv) == hipSuccess && dv > 0) {
#if PROBE_BACKEND_CUDA
        pr.driver_version = fmt("cuda %d.%d", dv / 1000, (dv % 1000) / 10);
#else
        pr.driver_version = fmt("hip %d.%d.%d", dv / 10000000, (dv / 100000) % 100, dv % 100000);
#endif
    }
    (void)hipGetLastError();
#if PROBE_BACKEND_HIP
    std::ifstream amdgpu("/sys/module/amdgpu/version");
    std::string kv;
    if (amdgpu && std::getline(amdgpu, kv) && !kv.empty()) pr.driver_version = "amdgpu " + kv;
#endif

    Check c;
    c.id = "device_count";
    c.unit = "devices";
    if (e != hipSuccess) {
        n = 0;
        pr.errors.push_back(std::string("hipGetDeviceCount: ") + hipGetErrorString(e));
        c.detail = std::string("runtime could not enumerate devices: ") + hipGetErrorString(e);
    }
    c.value = std::to_string(n);
    if (pr.opt.expect_gpus >= 0) c.thresholds.emplace_back("expected", std::to_string(pr.opt.expect_gpus));
    if (n == 0) {
        c.status = "fail";
        if (c.detail.empty()) {
            c.detail = "no GPU visible to the runtime";
            pr.errors.push_back(c.detail);
        }
        pr.fatal = true;
    } else if (pr.opt.expect_gpus >= 0 && n < pr.opt.expect_gpus) {
        c.status = "fail";
        c.detail = fmt("expected %d, found %d", pr.opt.expect_gpus, n);
    } else if (pr.opt.expect_gpus >= 0 && n > pr.opt.expect_gpus) {
        c.status = "warn";
        c.detail = fmt("expected %d, found %d", pr.opt.expect_gpus, n);
    }

    for (int i = 0; i < n; ++i) {
        DeviceInfo d;
        d.index = i;
        hipDeviceProp_t p;
        std::memset(&p, 0, sizeof p);
        hipError_t pe = hipGetDeviceProperties(&p, i);
        if (pe != hipSuccess) {
            pr.errors.push_back(fmt("hipGetDeviceProperties(%d): %s", i, hipGetErrorString(pe)));
            d.name = "unknown";
        } else {
            d.name = p.name;
#if PROBE_BACKEND_CUDA
            d.arch = fmt("sm_%d%d", p.major, p.minor);
#else
            d.arch = base_arch(p.gcnArchName);
#endif
            d.total = p.totalGlobalMem;
            d.compute_units = p.multiProcessorCount;
            d.domain = p.pciDomainID;
            d.bus = p.pciBusID;
            d.dev = p.pciDeviceID;
#if !PROBE_BACKEND_CPU
            d.pci = fmt("%04x:%02x:%02x.0", p.pciDomainID, p.pciBusID, p.pciDeviceID);
#endif
        }
        size_t fr = 0, tot = 0;
        if (hipSetDevice(i) == hipSuccess && hipMemGetInfo(&fr, &tot) == hipSuccess) d.free_b = fr;
        (void)hipGetLastError();
        d.model = find_model(d.name);
        d.limits = limits_for(d.model);
        for (auto &ov : pr.opt.overrides) *limit_slot(d.limits, ov.first) = ov.second.kind == JVal::Num ? ov.second.num : NONE;
        logf("device %d: %s arch=%s mem=%.1f GiB free=%.1f GiB pci=%s model=%s", i, d.name.c_str(), d.arch.c_str(),
             d.total / GIB, d.free_b / GIB, d.pci.c_str(), d.model ? d.model->model : "unknown");
        pr.devices.push_back(d);
    }
    if (c.detail.empty() && n > 0) c.detail = pr.devices[0].name;
    pr.add(c);
}

static void check_identity(Probe &pr, const DeviceInfo &d) {
    Check a;
    a.id = "device_arch";
    a.device = d.index;
    a.value = jstr(d.arch);
    a.detail = d.name;
    if (!pr.opt.expect_arch.empty()) {
        a.thresholds.emplace_back("expected", jstr(pr.opt.expect_arch));
        if (base_arch(pr.opt.expect_arch) != d.arch) {
            a.status = "fail";
            a.detail = "expected " + pr.opt.expect_arch + ", found " + d.arch + " (" + d.name + ")";
        }
    }
    pr.add(a);

    Check m;
    m.id = "device_memory";
    m.device = d.index;
    m.unit = "GiB";
    m.value = jnum(std::round(d.total / GIB * 100) / 100);
    m.detail = fmt("free %.2f GiB", d.free_b / GIB);
    if (std::isfinite(pr.opt.min_memory_gib)) {
        double floor_gib = 0.95 * pr.opt.min_memory_gib;
        m.thresholds.emplace_back("expected_gib", jnum(pr.opt.min_memory_gib));
        m.threshold("fail_below_gib", floor_gib);
        if (d.total / GIB < floor_gib) {
            m.status = "fail";
            m.detail = fmt("%.2f GiB < 0.95 x %.2f GiB expected", d.total / GIB, pr.opt.min_memory_gib);
        }
    }
    pr.add(m);
}

static void check_memory_touch(Probe &pr, const DeviceInfo &d) {
    if (pr.skipped("memory_touch")) return pr.add_skip("memory_touch", d.index, "skipped by --skip");
    pr.run("memory_touch", d.index, "GiB", [&](Check &c) {
        TRY(hipSetDevice(d.index));
        size_t free_b = 0, total_b = 0;
        TRY(hipMemGetInfo(&free_b, &total_b));
        size_t target = (size_t)(pr.opt.mem_fraction * (double)free_b);
        target = std::min(target, TOUCH_CAP_BYTES);
        target &= ~(size_t)((1 << 20) - 1);
        std::vector<DevBuf<u64>> chunks;
        size_t got = 0, chunk = TOUCH_CHUNK_MAX;
        while (got < target) {
            size_t want = std::min(chunk, target - got);
            if (want < ((size_t)1 << 20)) break;
            DevBuf<u64> b;
            if (!b.try_alloc(want / sizeof(u64))) {
                if (chunk / 2 < TOUCH_CHUNK_MIN) break;
                chunk /= 2;
                continue;
            }
            LAUNCH(k_touch, dim3(grid_for(b.n, BLOCK)), dim3(BLOCK), b.p, b.n);
            got += b.n * sizeof(u64);
            chunks.push_back(std::move(b));
        }
        TRY(hipDeviceSynchronize());
        DevBuf<u64> bad(1);
        TRY(hipMemset(bad.p, 0, sizeof(u64)));
        for (auto &b : chunks) LAUNCH(k_verify_touch, dim3(grid_for(b.n, BLOCK)), dim3(BLOCK), b.p, b.n, bad.p);
        u64 mismatches = read_counter(bad);
        c.value = jnum(std::round(got / GIB * 100) / 100);
        c.thresholds.emplace_back("mem_fraction", jnum(pr.opt.mem_fraction));
        c.thresholds.emplace_back("max_mismatches", "0");
        c.detail = fmt("%zu chunks, target %.2f GiB of %.2f GiB free, %llu mismatched words", chunks.size(),
                       target / GIB, free_b / GIB, mismatches);
#if PROBE_BACKEND_CPU
        c.detail += " (CPU shim: capped)";
#endif
        if (mismatches > 0)
            c.status = "fail";
        else if (got < target - target / 10)
            c.status = "warn", c.detail += "; could not allocate the target";
    });
}

static void check_compute(Probe &pr, const DeviceInfo &d) {
    if (pr.skipped("compute")) {
        pr.add_skip("saxpy", d.index, "skipped by --skip");
        pr.add_skip("gemm", d.index, "skipped by --skip");
        pr.add_skip("gemm_repeat", d.index, "skipped by --skip");
        return;
    }
    pr.run("saxpy", d.index, "mismatches", [&](Check &c) {
        TRY(hipSetDevice(d.index));
        const size_t n = (size_t)1 << 20;
        std::vector<float> x(n), y(n), out(n);
        for (size_t i = 0; i < n; ++i) {
            x[i] = (float)((int)(i % 1000) - 500);
            y[i] = (float)((int)(i % 777) - 388);
        }
        DevBuf<float> dx(n), dy(n);
        TRY(hipMemcpy(dx.p, x.data(), n * sizeof(float), hipMemcpyHostToDevice));
        TRY(hipMemcpy(dy.p, y.data(), n * sizeof(float), hipMemcpyHostToDevice));
        LAUNCH(k_saxpy, dim3(grid_for(n, BLOCK)), dim3(BLOCK), n, 3.0f, (const float *)dx.p, dy.p);
        TRY(hipDeviceSynchronize());
        TRY(hipMemcpy(out.data(), dy.p, n * sizeof(float), hipMemcpyDeviceToHost));
        size_t bad = 0;
        for (size_t i = 0; i < n; ++i) bad += out[i] != 3.0f * x[i] + y[i];
        c.value = std::to_string(bad);
        c.thresholds.emplace_back("max_mismatches", "0");
        c.detail = fmt("%zu elements, integer-valued inputs", n);
        if (bad) c.status = "fail";
    });

    const int n = 256;
    std::vector<float> a(n * n), b(n * n), ref(n * n), c1(n * n), c2(n * n);
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) {
            a[i * n + j] = (float)((i * 7 + j * 3) % 17 - 8);
            b[i * n + j] = (float)((i * 5 + j * 11) % 13 - 6);
        }
    // Integer inputs keep every partial sum an integer below 2^24, so any summation order is exact.
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) {
            long long s = 0;
            for (int k = 0; k < n; ++k) s += (long long)a[i * n + k] * (long long)b[k * n + j];
            ref[i * n + j] = (float)s;
        }
    long long fault = pr.opt.fault == "gemm" ? 17LL * n + 42 : -1;
    bool ran = false;
    pr.run("gemm", d.index, "mismatches", [&](Check &c) {
        TRY(hipSetDevice(d.index));
        DevBuf<float> da(n * n), db(n * n), dc(n * n);
        TRY(hipMemcpy(da.p, a.data(), n * n * sizeof(float), hipMemcpyHostToDevice));
        TRY(hipMemcpy(db.p, b.data(), n * n * sizeof(float), hipMemcpyHostToDevice));
        dim3 block(16, 16), grid(n / 16, n / 16);
        Event e0, e1;
        for (int run = 0; run < 2; ++run) {
            TRY(hipMemset(dc.p, 0xff, n * n * sizeof(float)));
            TRY(hipEventRecord(e0.e, 0));
            LAUNCH(k_gemm, grid, block, n, (const float *)da.p, (const float *)db.p, dc.p, fault);
            TRY(hipEventRecord(e1.e, 0));
            TRY(hipDeviceSynchronize());
            TRY(hipMemcpy(run ? c2.data() : c1.data(), dc.p, n * n * sizeof(float), hipMemcpyDeviceToHost));
        }
        double ms = elapsed_ms(e0, e1);
        size_t bad = 0;
        for (int i = 0; i < n * n; ++i) bad += c1[i] != ref[i];
        ran = true;
        c.value = std::to_string(bad);
        c.thresholds.emplace_back("max_mismatches", "0");
        c.detail = fmt("%dx%d FP32 vs CPU reference, %.1f GFLOP/s", n, n, ms > 0 ? 2.0 * n * n * n / (ms * 1e6) : 0.0);
        if (fault >= 0) c.detail += " (fault injected)";
        if (bad) c.status = "fail";
    });
    if (!ran) return pr.add_skip("gemm_repeat", d.index, "gemm did not run");
    Check r;
    r.id = "gemm_repeat";
    r.device = d.index;
    r.unit = "differing elements";
    size_t diff = 0;
    for (int i = 0; i < n * n; ++i) diff += std::memcmp(&c1[i], &c2[i], sizeof(float)) != 0;
    r.value = std::to_string(diff);
    r.thresholds.emplace_back("max_differences", "0");
    r.detail = "two GEMM runs compared bit for bit";
    if (diff) r.status = "fail";
    pr.add(r);
}

static void check_hbm(Probe &pr, const DeviceInfo &d) {
    if (pr.skipped("hbm")) {
        pr.add_skip("hbm_copy", d.index, "skipped by --skip");
        pr.add_skip("hbm_triad", d.index, "skipped by --skip");
        return;
    }
    size_t n = STREAM_ELEMS;
    // Three arrays must fit comfortably; shrink on small devices rather than fail.
    while (n > ((size_t)1 << 20) && d.free_b && 3 * n * sizeof(double) > d.free_b / 2) n /= 2;
    std::vector<double> copy_gbps, triad_gbps;
    u64 bad_copy = 0, bad_triad = 0;
    std::string err;
    try {
        TRY(hipSetDevice(d.index));
        DevBuf<double> a(n), b(n), c(n);
        DevBuf<u64> bad(1);
        unsigned grid = (unsigned)((n + BLOCK - 1) / BLOCK);
        LAUNCH(k_stream_init, dim3(grid_for(n, BLOCK)), dim3(BLOCK), a.p, b.p, c.p, n);
        TRY(hipDeviceSynchronize());
        Event e0, e1;
        const double scalar = 0.4;
        for (int rep = -2; rep < STREAM_REPS; ++rep) {  // two warm-up runs
            TRY(hipEventRecord(e0.e, 0));
            LAUNCH(k_stream_copy, dim3(grid), dim3(BLOCK), (const double *)a.p, c.p, n);
            TRY(hipEventRecord(e1.e, 0));
            double ms = elapsed_ms(e0, e1);
            if (rep >= 0 && ms > 0) copy_gbps.push_back(2.0 * n * sizeof(double) / (ms * 1e6));
        }
        TRY(hipMemset(bad.p, 0, sizeof(u64)));
        LAUNCH(k_verify_value, dim3(grid_for(n, BLOCK)), dim3(BLOCK), (const double *)c.p, n, 0.1, bad.p);
        bad_copy = read_counter(bad);
        for (int rep = -2; rep < STREAM_REPS; ++rep) {
            TRY(hipEventRecord(e0.e, 0));
            LAUNCH(k_stream_triad, dim3(grid), dim3(BLOCK), a.p, (const double *)b.p, (const double *)c.p, scalar, n);
            TRY(hipEventRecord(e1.e, 0));
            double ms = elapsed_ms(e0, e1);
            if (rep >= 0 && ms > 0) triad_gbps.push_back(3.0 * n * sizeof(double) / (ms * 1e6));
        }
        TRY(hipMemset(bad.p, 0, sizeof(u64)));
        LAUNCH(k_verify_value, dim3(grid_for(n, BLOCK)), dim3(BLOCK), (const double *)a.p, n, 0.2 + scalar * 0.1, bad.p);
        bad_triad = read_counter(bad);
    } catch (const std::exception &e) {
        err = e.what();
        pr.errors.push_back(fmt("hbm (device %d): %s", d.index, e.what()));
        (void)hipGetLastError();
    }
    struct K { const char *id; std::vector<double> *v; u64 bad; double fail, warn; double bytes_per_elem; };
    K ks[] = {{"hbm_copy", &copy_gbps, bad_copy, d.limits.copy_fail, d.limits.copy_warn, 16},
              {"hbm_triad", &triad_gbps, bad_triad, d.limits.triad_fail, d.limits.triad_warn, 24}};
    for (auto &k : ks) {
        Check c;
        c.id = k.id;
        c.device = d.index;
        c.unit = "GB/s";
        if (k.v->empty()) {
            c.status = "fail";
            c.detail = "error: " + (err.empty() ? std::string("no timing") : err);
        } else {
            double med = median(*k.v);
            c.detail = fmt("median of %zu runs over %.0f MiB moved per run, %llu wrong elements", k.v->size(),
                           k.bytes_per_elem * n / (1024.0 * 1024.0), k.bad);
            Probe::grade_min(c, med, k.fail, k.warn, d);
            if (k.bad) c.status = "fail";
            if (!err.empty()) c.status = "fail", c.detail += "; error: " + err;
        }
        pr.add(c);
    }
}

static void check_host_device(Probe &pr, const DeviceInfo &d) {
    if (pr.skipped("host_device")) {
        pr.add_skip("h2d", d.index, "skipped by --skip");
        pr.add_skip("d2h", d.index, "skipped by --skip");
        return;
    }
    std::vector<double> h2d, d2h;
    size_t bad = 0;
    std::string err;
    const size_t bytes = HOST_BYTES, words = bytes / sizeof(unsigned);
    try {
        TRY(hipSetDevice(d.index));
        HostPinned<unsigned> host(words);
        DevBuf<unsigned> dev(words);
        for (size_t i = 0; i < words; ++i) host.p[i] = pattern_word(i, 0x5a5a5a5au);
        Event e0, e1;
        for (int rep = -1; rep < COPY_REPS; ++rep) {
            TRY(hipEventRecord(e0.e, 0));
            TRY(hipMemcpy(dev.p, host.p, bytes, hipMemcpyHostToDevice));
            TRY(hipEventRecord(e1.e, 0));
            double ms = elapsed_ms(e0, e1);
            if (rep >= 0 && ms > 0) h2d.push_back(bytes / (ms * 1e6));
        }
        std::memset(host.p, 0, bytes);
        for (int rep = -1; rep < COPY_REPS; ++rep) {
            TRY(hipEventRecord(e0.e, 0));
            TRY(hipMemcpy(host.p, dev.p, bytes, hipMemcpyDeviceToHost));
            TRY(hipEventRecord(e1.e, 0));
            double ms = elapsed_ms(e0, e1);
            if (rep >= 0 && ms > 0) d2h.push_back(bytes / (ms * 1e6));
        }
        for (size_t i = 0; i < words; ++i) bad += host.p[i] != pattern_word(i, 0x5a5a5a5au);
    } catch (const std::exception &e) {
        err = e.what();
        pr.errors.push_back(fmt("host_device (device %d): %s", d.index, e.what()));
        (void)hipGetLastError();
    }
    struct K { const char *id; std::vector<double> *v; double fail, warn; };
    K ks[] = {{"h2d", &h2d, d.limits.h2d_fail, d.limits.h2d_warn}, {"d2h", &d2h, d.limits.d2h_fail, d.limits.d2h_warn}};
    for (auto &k : ks) {
        Check c;
        c.id = k.id;
        c.device = d.index;
        c.unit = "GB/s";
        if (k.v->empty()) {
            c.status = "fail";
            c.detail = "error: " + (err.empty() ? std::string("no timing") : err);
        } else {
            c.detail = fmt("pinned, %zu MiB, median of %zu runs, %zu wrong words after round trip", bytes >> 20,
                           k.v->size(), bad);
            Probe::grade_min(c, median(*k.v), k.fail, k.warn, d);
            if (bad) c.status = "fail";
        }
        pr.add(c);
    }
}

static void check_p2p(Probe &pr) {
    if (pr.skipped("p2p")) return pr.add_skip("p2p", -1, "skipped by --skip");
    int n = (int)pr.devices.size();
    if (n < 2) return pr.add_skip("p2p", -1, "fewer than 2 devices");
    const size_t words = P2P_BYTES / sizeof(unsigned);
    std::vector<DevBuf<unsigned>> src, dst;
    std::vector<DevBuf<u64>> bad;
    try {
        for (int i = 0; i < n; ++i) {
            TRY(hipSetDevice(i));
            for (int j = 0; j < n; ++j) {
                int can = 0;
                if (j != i && hipDeviceCanAccessPeer(&can, i, j) == hipSuccess && can)
                    (void)hipDeviceEnablePeerAccess(j, 0);  // "already enabled" is fine
                (void)hipGetLastError();
            }
            src.emplace_back(words);
            dst.emplace_back(words);
            bad.emplace_back(1);
            LAUNCH(k_fill_pattern, dim3(grid_for(words, BLOCK)), dim3(BLOCK), src.back().p, words, (unsigned)(0x1000u + i));
            TRY(hipDeviceSynchronize());
        }
    } catch (const std::exception &e) {
        pr.errors.push_back(std::string("p2p setup: ") + e.what());
        Check c;
        c.id = "p2p";
        c.unit = "GB/s";
        c.status = "fail";
        c.detail = std::string("error: ") + e.what();
        return pr.add(c);
    }
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) {
            if (i == j) continue;
            const DeviceInfo &d = pr.devices[i];
            Check c;
            c.id = "p2p";
            c.device = i;
            c.peer = j;
            c.unit = "GB/s";
            try {
                int can = 0;
                (void)hipDeviceCanAccessPeer(&can, i, j);
                std::vector<double> gbps;
                for (int rep = -1; rep < P2P_REPS; ++rep) {
                    TRY(hipSetDevice(j));
                    TRY(hipMemset(dst[j].p, 0, P2P_BYTES));
                    TRY(hipDeviceSynchronize());
                    TRY(hipSetDevice(i));
                    auto t0 = std::chrono::steady_clock::now();
                    TRY(hipMemcpyPeer(dst[j].p, j, src[i].p, i, P2P_BYTES));
                    TRY(hipDeviceSynchronize());
                    TRY(hipSetDevice(j));
                    TRY(hipDeviceSynchronize());
                    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
                    if (rep >= 0 && ms > 0) gbps.push_back(P2P_BYTES / (ms * 1e6));
                }
                TRY(hipSetDevice(j));
                TRY(hipMemset(bad[j].p, 0, sizeof(u64)));
                LAUNCH(k_verify_pattern, dim3(grid_for(words, BLOCK)), dim3(BLOCK), (const unsigned *)dst[j].p, words,
                       (unsigned)(0x1000u + i), bad[j].p);
                u64 wrong = read_counter(bad[j]);
                c.detail = fmt("%zu MiB, peer access %s, %llu wrong words", P2P_BYTES >> 20, can ? "yes" : "no", wrong);
                Probe::grade_min(c, median(gbps), d.limits.p2p_fail, d.limits.p2p_warn, d);
                if (wrong) c.status = "fail";
            } catch (const std::exception &e) {
                c.status = "fail";
                c.detail = std::string("error: ") + e.what();
                pr.errors.push_back(fmt("p2p %d->%d: %s", i, j, e.what()));
                (void)hipGetLastError();
            }
            pr.add(c);
        }
}

// ECC counters come from outside the runtime: AMD's RAS sysfs files, NVIDIA's nvidia-smi.
struct SmiRow { int domain, bus, dev; std::string driver, ue, ce; };

static std::vector<SmiRow> query_nvidia_smi() {
    std::vector<SmiRow> rows;
#if PROBE_BACKEND_CUDA
    FILE *f = popen("nvidia-smi --query-gpu=pci.bus_id,driver_version,ecc.errors.uncorrected.volatile.total,"
                    "ecc.errors.corrected.volatile.total --format=csv,noheader,nounits 2>/dev/null",
                    "r");
    if (!f) return rows;
    char line[512];
    while (std::fgets(line, sizeof line, f)) {
        std::vector<std::string> cols;
        std::stringstream ss(line);
        std::string col;
        while (std::getline(ss, col, ',')) {
            size_t b = col.find_first_not_of(" \t\r\n"), e = col.find_last_not_of(" \t\r\n");
            cols.push_back(b == std::string::npos ? "" : col.substr(b, e - b + 1));
        }
        if (cols.size() < 4) continue;
        SmiRow r;
        unsigned dom = 0, bus = 0, dev = 0, fn = 0;
        if (std::sscanf(cols[0].c_str(), "%x:%x:%x.%x", &dom, &bus, &dev, &fn) != 4) continue;
        r.domain = (int)dom, r.bus = (int)bus, r.dev = (int)dev;
        r.driver = cols[1], r.ue = cols[2], r.ce = cols[3];
        rows.push_back(r);
    }
    pclose(f);
#endif
    return rows;
}

[[maybe_unused]] static bool parse_count(const std::string &s, long long &out) {
    char *end = nullptr;
    errno = 0;
    out = std::strtoll(s.c_str(), &end, 10);
    return !s.empty() && end && *end == '\0' && errno == 0 && out >= 0;
}

static void check_ecc(Probe &pr, const DeviceInfo &d, const std::vector<SmiRow> &smi) {
    if (pr.skipped("ecc")) return pr.add_skip("ecc", d.index, "skipped by --skip");
    long long ue = -1, ce = -1;
    std::string source;
#if PROBE_BACKEND_CPU
    (void)smi;
    return pr.add_skip("ecc", d.index, "CPU backend has no ECC counters");
#elif PROBE_BACKEND_HIP
    (void)smi;
    source = "/sys/bus/pci/devices/" + d.pci + "/ras/umc_err_count";
    std::ifstream f(source);
    std::string line;
    while (f && std::getline(f, line)) {
        long long v = 0;
        if (std::sscanf(line.c_str(), "ue: %lld", &v) == 1) ue = v;
        if (std::sscanf(line.c_str(), "ce: %lld", &v) == 1) ce = v;
    }
#else
    source = "nvidia-smi ecc.errors.*.volatile.total";
    bool found = false;
    for (auto &r : smi)
        if (r.domain == d.domain && r.bus == d.bus && r.dev == d.dev) {
            found = true;
            if (!parse_count(r.ue, ue)) ue = -1;
            if (!parse_count(r.ce, ce)) ce = -1;
            if (ue < 0 && ce < 0) return pr.add_skip("ecc", d.index, "nvidia-smi reports ECC as " + r.ue + " (ECC off or unsupported)");
        }
    if (!found) return pr.add_skip("ecc", d.index, "nvidia-smi unavailable or did not list " + d.pci);
#endif
    if (ue < 0 && ce < 0) return pr.add_skip("ecc", d.index, "cannot read " + source);
    Check c;
    c.id = "ecc";
    c.device = d.index;
    c.unit = "uncorrected errors";
    c.value = ue < 0 ? "null" : std::to_string(ue);
    c.thresholds.emplace_back("uncorrected_max", "0");
    c.thresholds.emplace_back("corrected_warn_above", "0");
    c.detail = fmt("ue=%lld ce=%lld from %s", ue, ce, source.c_str());
    if (ue > 0)
        c.status = "fail";
    else if (ce > 0)
        c.status = "warn";
    pr.add(c);
}

// ---------------------------------------------------------------------------------------------
// Watchdog: a wedged GPU must still yield a report line and exit 2, not hang the caller.

static char g_timeout_line[256];

static void on_alarm(int) {
    ssize_t w = write(STDOUT_FILENO, g_timeout_line, std::strlen(g_timeout_line));
    (void)w;
    _exit(2);
}

static int finish(Probe &pr, std::chrono::steady_clock::time_point t0) {
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    std::string v = pr.verdict();
    logf("verdict %s in %.0f ms", v.c_str(), ms);
    alarm(0);
    std::fflush(stderr);
    std::printf("%s\n", pr.json(ms).c_str());
    std::fflush(stdout);
    return v == "error" ? 2 : v == "fail" ? 1 : 0;
}

int main(int argc, char **argv) {
    auto t0 = std::chrono::steady_clock::now();
    Probe pr;
    std::string err;
    bool help = false;
    if (!parse_args(argc, argv, pr.opt, err, help)) {
        logf("%s", err.c_str());
        std::fputs(USAGE, stderr);
        pr.errors.push_back(err);
        pr.fatal = true;
        return finish(pr, t0);
    }
    if (help) {
        std::fputs(USAGE, stdout);
        return 0;
    }
    const char *fault_env = std::getenv("GPU_PROBE_FAULT");
    if (fault_env && std::string(fault_env) == "gemm") pr.opt.fault = "gemm";
    if (pr.opt.timeout_s > 0) {
        std::snprintf(g_timeout_line, sizeof g_timeout_line,
                      "{\"schema\":\"%s\",\"verdict\":\"error\",\"backend\":\"%s\",\"devices\":[],\"checks\":[],"
                      "\"errors\":[\"probe timed out after %d s\"]}\n",
                      PROBE_SCHEMA, PROBE_BACKEND_NAME, pr.opt.timeout_s);
        std::signal(SIGALRM, on_alarm);
        alarm((unsigned)pr.opt.timeout_s);
    }
    logf("gpu-image-probe %s, backend %s", PROBE_VERSION, PROBE_BACKEND_NAME);

    discover(pr);
    if (pr.fatal) return finish(pr, t0);
    std::vector<SmiRow> smi = query_nvidia_smi();
    if (!smi.empty() && !smi[0].driver.empty()) pr.driver_version = smi[0].driver;
    for (auto &d : pr.devices) {
        check_identity(pr, d);
        check_compute(pr, d);
        check_memory_touch(pr, d);
        check_hbm(pr, d);
        check_host_device(pr, d);
        check_ecc(pr, d, smi);
    }
    check_p2p(pr);
    return finish(pr, t0);
}
