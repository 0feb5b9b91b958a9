/*
 * LD_PRELOAD for fio in the rig's guest, whose kernel has no System V IPC (CONFIG_SYSVIPC is off):
 * fio keeps its job table in a shmget segment. These stand-ins give it shared anonymous memory
 * instead (inherited across fork, so fio's job processes share it as they would the segment).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>

#define SEGMENTS 64
static size_t sizes[SEGMENTS];
static void *addrs[SEGMENTS];

int shmget(key_t key, size_t size, int flags) {
    (void)key; (void)flags;
    for (int i = 1; i < SEGMENTS; i++) {
        if (sizes[i] == 0) { sizes[i] = size; return i; }
    }
    errno = ENOSPC;
    return -1;
}

void *shmat(int id, const void *want, int flags) {
    (void)want; (void)flags;
    if (id <= 0 || id >= SEGMENTS || sizes[id] == 0) { errno = EINVAL; return (void *)-1; }
    if (addrs[id] == NULL) {
        void *p = mmap(NULL, sizes[id], PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) return (void *)-1;
        addrs[id] = p;
    }
    return addrs[id];
}

int shmdt(const void *addr) {
    (void)addr;
    return 0; /* the memory goes with the process */
}

int shmctl(int id, int cmd, struct shmid_ds *buf) {
    (void)id; (void)cmd; (void)buf;
    return 0;
}
