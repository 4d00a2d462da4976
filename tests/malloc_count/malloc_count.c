/* An LD_PRELOAD library for the integration tests: counts the calls that
 * allocate memory (malloc, calloc, realloc, the aligned forms) in the process,
 * and writes "malloc-count N" on standard error when it receives SIGUSR2.
 * The allocations themselves are glibc's own (__libc_*), so nothing else
 * changes. Used to show that wshub allocates nothing per message once warm. */
#define _GNU_SOURCE
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

extern void* __libc_malloc(size_t);
extern void* __libc_calloc(size_t, size_t);
extern void* __libc_realloc(void*, size_t);
extern void* __libc_memalign(size_t, size_t);

static unsigned long long g_count;

static void count(void) { __atomic_add_fetch(&g_count, 1, __ATOMIC_RELAXED); }

void* malloc(size_t n) { count(); return __libc_malloc(n); }
void* calloc(size_t n, size_t size) { count(); return __libc_calloc(n, size); }
void* realloc(void* p, size_t n) { count(); return __libc_realloc(p, n); }
void* memalign(size_t align, size_t n) { count(); return __libc_memalign(align, n); }
void* aligned_alloc(size_t align, size_t n) { count(); return __libc_memalign(align, n); }
int posix_memalign(void** out, size_t align, size_t n) {
    count();
    void* p = __libc_memalign(align, n);
    if (!p) return 12; /* ENOMEM */
    *out = p;
    return 0;
}

/* Only async-signal-safe calls: format by hand, one write. */
static void report(int sig) {
    (void)sig;
    char line[48] = "malloc-count ";
    char digits[24];
    int n = 0;
    unsigned long long v = __atomic_load_n(&g_count, __ATOMIC_RELAXED);
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    size_t len = strlen(line);
    while (n) line[len++] = digits[--n];
    line[len++] = '\n';
    ssize_t r = write(STDERR_FILENO, line, len);
    (void)r;
}

__attribute__((constructor)) static void install(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = report;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR2, &sa, NULL);
}
