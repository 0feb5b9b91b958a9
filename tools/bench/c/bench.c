/*
 * C twins of the dma4j JMH benchmarks (benchmarks/): the same work, done the way a C driver
 * would, timed the same way (average ns per operation over timed iterations, after warm-up).
 * Usage: bench [-i iterations] [-t ms-per-iteration] NAME [ARG]; prints one line per result:
 *   NAME<TAB>PARAM<TAB>ns/op<TAB>error (99.9 % half-interval, as JMH's)
 * Names: nvme-qd1, nvme-qd32, copy-4k-twice, pagemap PAGES, ioctl, mmio-plain, mmio-ordered.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static int iterations = 5, warmups = 3;
static long iteration_ms = 1000;

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

/* Student t quantile for a 99.9 % two-sided interval, as JMH reports (df 1..30, then normal). */
static double t999(int df) {
    static const double t[] = {0, 636.6, 31.60, 12.92, 8.610, 6.869, 5.959, 5.408, 5.041, 4.781, 4.587,
                               4.437, 4.318, 4.221, 4.140, 4.073, 4.015, 3.965, 3.922, 3.883, 3.850,
                               3.819, 3.792, 3.768, 3.745, 3.725, 3.707, 3.690, 3.674, 3.659, 3.646};
    return df <= 30 ? t[df] : 3.291;
}

typedef uint64_t (*op_fn)(void *state, uint64_t n); /* runs n operations, returns a sink */
static volatile uint64_t sink;

static void measure(const char *name, const char *param, op_fn op, void *state, int ops_per_call) {
    uint64_t batch = 1;
    /* calibrate a batch of ~1 ms */
    for (;;) {
        uint64_t t0 = now_ns();
        sink += op(state, batch);
        if (now_ns() - t0 > 1000000 || batch > (1ull << 40)) break;
        batch *= 2;
    }
    double score[64];
    for (int it = -warmups; it < iterations; it++) {
        uint64_t calls = 0, t0 = now_ns(), t;
        do {
            sink += op(state, batch);
            calls += batch;
            t = now_ns();
        } while (t - t0 < (uint64_t)iteration_ms * 1000000u);
        if (it >= 0) score[it] = (double)(t - t0) / (double)(calls * ops_per_call);
    }
    double mean = 0, var = 0;
    for (int i = 0; i < iterations; i++) mean += score[i];
    mean /= iterations;
    for (int i = 0; i < iterations; i++) var += (score[i] - mean) * (score[i] - mean);
    double err = iterations > 1 ? t999(iterations - 1) * sqrt(var / (iterations - 1)) / sqrt(iterations) : NAN;
    printf("%s\t%s\t%.3f\t%.3f\n", name, param, mean, err);
    fflush(stdout);
}

/* ---- the null NVMe device: 64 B SQE, doorbell, 16 B CQE with phase, completed in-thread -------- */

#define ENTRIES 64
#define CIDS (ENTRIES - 1)
struct sqe { uint32_t cdw0, nsid; uint64_t rsvd, mptr, prp1, prp2; uint32_t cdw10, cdw11, cdw12, cdw13, cdw14, cdw15; };
struct cqe { uint32_t dw0, dw1; uint16_t sqhd, sqid; uint16_t cid, status; };

struct nulldev { struct sqe *sq; struct cqe *cq; int sq_head, cq_tail, cq_phase; };
struct queue {
    struct sqe *sq; struct cqe *cq; uint64_t *prp;
    int sq_tail, cq_head, phase;
    int free_cids[CIDS], free_top;
    uint8_t outstanding[CIDS], done[CIDS];
    int status[CIDS];
    struct nulldev *dev;
    void (*doorbell)(struct nulldev *, int qid, int value); /* an indirect call, like a BAR access */
    uint64_t iova; /* of the data buffer */
};

__attribute__((noinline)) static void nulldev_doorbell(struct nulldev *d, int qid, int tail) {
    if (qid & 1) return; /* CQ head doorbell: ignored */
    while (d->sq_head != tail) {
        uint16_t cid = d->sq[d->sq_head].cdw0 >> 16;
        d->sq_head = (d->sq_head + 1) % ENTRIES;
        struct cqe *c = &d->cq[d->cq_tail];
        c->dw0 = 0; c->dw1 = 0; c->sqhd = d->sq_head; c->sqid = 1;
        __atomic_store_n((uint32_t *)&c->cid, (uint32_t)cid | (uint32_t)d->cq_phase << 16, __ATOMIC_RELEASE);
        if (++d->cq_tail == ENTRIES) { d->cq_tail = 0; d->cq_phase ^= 1; }
    }
}

static int q_submit_read(struct queue *q, uint64_t lba, int blocks, uint64_t offset) {
    if (q->free_top == 0) return -1;
    int cid = q->free_cids[--q->free_top];
    struct sqe *e = &q->sq[q->sq_tail];
    e->cdw0 = 0x02 | (uint32_t)cid << 16; e->nsid = 1; e->rsvd = 0; e->mptr = 0;
    e->prp1 = q->iova + offset; e->prp2 = 0; /* 4 KiB, page aligned: one PRP */
    e->cdw10 = (uint32_t)lba; e->cdw11 = (uint32_t)(lba >> 32); e->cdw12 = blocks - 1;
    e->cdw13 = 0; e->cdw14 = 0; e->cdw15 = 0;
    q->outstanding[cid] = 1; q->done[cid] = 0;
    q->sq_tail = (q->sq_tail + 1) % ENTRIES;
    __atomic_thread_fence(__ATOMIC_RELEASE);
    q->doorbell(q->dev, 2, q->sq_tail);
    return cid;
}

static int q_poll(struct queue *q) {
    int n = 0, start = q->cq_head;
    for (;;) {
        struct cqe *c = &q->cq[q->cq_head];
        uint32_t dw3 = __atomic_load_n((uint32_t *)&c->cid, __ATOMIC_ACQUIRE);
        if (((dw3 >> 16) & 1) != (uint32_t)q->phase) break;
        uint16_t cid = dw3 & 0xffff;
        if (cid < CIDS && q->outstanding[cid]) {
            q->outstanding[cid] = 0; q->done[cid] = 1; q->status[cid] = dw3 >> 17; n++;
        }
        if (++q->cq_head == ENTRIES) { q->cq_head = 0; q->phase ^= 1; }
    }
    if (q->cq_head != start) q->doorbell(q->dev, 3, q->cq_head);
    return n;
}

static int q_finish(struct queue *q, int cid) {
    int s = q->status[cid];
    q->done[cid] = 0;
    q->free_cids[q->free_top++] = cid;
    return s;
}

static struct queue *q_new(void) {
    struct queue *q = calloc(1, sizeof *q);
    struct nulldev *d = calloc(1, sizeof *d);
    q->sq = aligned_alloc(4096, ENTRIES * sizeof(struct sqe));
    q->cq = aligned_alloc(4096, 4096);
    memset(q->cq, 0, 4096);
    q->phase = 1; d->cq_phase = 1; d->sq = q->sq; d->cq = q->cq;
    for (int i = 0; i < CIDS; i++) q->free_cids[i] = CIDS - 1 - i;
    q->free_top = CIDS; q->dev = d; q->doorbell = nulldev_doorbell; q->iova = 0x100000;
    return q;
}

static uint64_t nvme_qd1(void *s, uint64_t n) {
    struct queue *q = s;
    uint64_t sum = 0;
    for (uint64_t i = 0; i < n; i++) {
        int cid = q_submit_read(q, 0, 8, 0);
        while (!q->done[cid]) q_poll(q);
        sum += q_finish(q, cid) + cid;
    }
    return sum;
}

static uint64_t nvme_qd32(void *s, uint64_t n) {
    struct queue *q = s;
    uint64_t sum = 0;
    int cids[32];
    for (uint64_t i = 0; i < n; i++) {
        for (int j = 0; j < 32; j++) cids[j] = q_submit_read(q, (uint64_t)j * 8, 8, (uint64_t)j * 4096);
        int done = 0;
        while (done < 32) done += q_poll(q);
        for (int j = 0; j < 32; j++) sum += q_finish(q, cids[j]) + cids[j];
    }
    return sum;
}

/* The full fake's data floor: a 4 KiB read copies storage -> staging -> host buffer, twice 4 KiB. */
struct copies { uint8_t *storage, *staging, *host; };

static uint64_t copy_4k_twice(void *s, uint64_t n) {
    struct copies *c = s;
    for (uint64_t i = 0; i < n; i++) {
        memcpy(c->staging, c->storage + (i & 31) * 4096, 4096);
        memcpy(c->host + (i & 31) * 4096, c->staging, 4096);
        __asm__ volatile("" ::: "memory");
    }
    return c->host[0];
}

/* ---- pagemap ---------------------------------------------------------------------------- */

struct pm { int fd; uint8_t *mem; long pages; uint64_t *buf; uint64_t *out; };

static uint64_t pagemap_resolve(void *s, uint64_t n) {
    struct pm *p = s;
    uint64_t last = 0;
    for (uint64_t k = 0; k < n; k++) {
        uint64_t vpn = (uintptr_t)p->mem / 4096;
        for (long done = 0; done < p->pages;) {
            long chunk = p->pages - done < 4096 ? p->pages - done : 4096;
            ssize_t r = pread(p->fd, p->buf, chunk * 8, (vpn + done) * 8);
            if (r != chunk * 8) { perror("pread pagemap"); exit(1); }
            for (long i = 0; i < chunk; i++) {
                uint64_t e = p->buf[i];
                if (!(e >> 63) || !(e & ((1ull << 55) - 1))) { fprintf(stderr, "page not present or PFN 0 (need root)\n"); exit(1); }
                p->out[done + i] = (e & ((1ull << 55) - 1)) * 4096;
            }
            done += chunk;
        }
        last = p->out[p->pages - 1];
    }
    return last;
}

/* ---- ioctl, MMIO ------------------------------------------------------------------------ */

static uint64_t ioctl_fionread(void *s, uint64_t n) {
    int fd = *(int *)s, count = 0;
    uint64_t sum = 0;
    for (uint64_t i = 0; i < n; i++) {
        if (ioctl(fd, FIONREAD, &count) < 0) { perror("ioctl"); exit(1); }
        sum += count;
    }
    return sum;
}

static uint64_t mmio_plain(void *s, uint64_t n) {
    volatile uint32_t *r = s; /* volatile: one store and one load per operation, as MMIO */
    uint64_t sum = 0;
    for (uint64_t i = 0; i < n; i++) { r[0x1000 / 4] = (uint32_t)i; sum += r[0x1c / 4]; }
    return sum;
}

static uint64_t mmio_ordered(void *s, uint64_t n) {
    uint32_t *r = s;
    uint64_t sum = 0;
    for (uint64_t i = 0; i < n; i++) {
        __atomic_store_n(&r[0x1000 / 4], (uint32_t)i, __ATOMIC_RELEASE);
        sum += __atomic_load_n(&r[0x1c / 4], __ATOMIC_ACQUIRE);
    }
    return sum;
}

int main(int argc, char **argv) {
    int a = 1;
    for (; a < argc && argv[a][0] == '-'; a += 2) {
        if (a + 1 >= argc) break;
        if (!strcmp(argv[a], "-i")) iterations = atoi(argv[a + 1]);
        else if (!strcmp(argv[a], "-w")) warmups = atoi(argv[a + 1]);
        else if (!strcmp(argv[a], "-t")) iteration_ms = atol(argv[a + 1]);
    }
    if (iterations < 1 || iterations > 64 || a >= argc) {
        fprintf(stderr, "usage: bench [-i iterations] [-w warmups] [-t ms] nvme-qd1|nvme-qd32|copy-4k-twice|pagemap PAGES|ioctl|mmio-plain|mmio-ordered\n");
        return 2;
    }
    const char *what = argv[a];
    if (!strcmp(what, "nvme-qd1")) {
        measure(what, "-", nvme_qd1, q_new(), 1);
    } else if (!strcmp(what, "nvme-qd32")) {
        measure(what, "-", nvme_qd32, q_new(), 32);
    } else if (!strcmp(what, "copy-4k-twice")) {
        struct copies c = {aligned_alloc(4096, 32 * 4096), aligned_alloc(4096, 4096), aligned_alloc(4096, 32 * 4096)};
        memset(c.storage, 1, 32 * 4096); memset(c.staging, 0, 4096); memset(c.host, 0, 32 * 4096);
        measure(what, "-", copy_4k_twice, &c, 1);
    } else if (!strcmp(what, "pagemap") && a + 1 < argc) {
        struct pm p = {.pages = atol(argv[a + 1])};
        p.mem = mmap(NULL, p.pages * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p.mem == MAP_FAILED) { perror("mmap"); return 1; }
        for (long i = 0; i < p.pages; i++) sink += p.mem[i * 4096]; /* the zero page */
        p.fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
        if (p.fd < 0) { perror("/proc/self/pagemap"); return 1; }
        p.buf = malloc(4096 * 8);
        p.out = malloc(p.pages * 8);
        measure(what, argv[a + 1], pagemap_resolve, &p, 1);
    } else if (!strcmp(what, "ioctl")) {
        int fds[2];
        if (pipe(fds)) { perror("pipe"); return 1; }
        measure(what, "-", ioctl_fionread, &fds[0], 1);
    } else if (!strcmp(what, "mmio-plain") || !strcmp(what, "mmio-ordered")) {
        uint32_t *r = aligned_alloc(4096, 0x4000);
        memset(r, 0, 0x4000);
        measure(what, "-", what[5] == 'p' ? mmio_plain : mmio_ordered, r, 1);
    } else {
        fprintf(stderr, "bench: unknown benchmark %s\n", what);
        return 2;
    }
    return 0;
}
