/*
 * minewatch: the command-line tool, a thin layer over libminewatch.
 * A command is a row of `commands` below and a cmd_<name>.c (mw_cli.h).
 * Exit status: 0 success, 1 the run failed, 2 usage error.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include <omp.h>
#include <pthread.h>

#include "minewatch/minewatch.h"
#include "mw_cli.h"

static const mw_cli_command commands[] = {
    {"scan", "find candidate mining sites between two acquisitions", mw_cli_scan_help, mw_cli_scan},
    {"info", "show what minewatch reads from a scene", mw_cli_info_help, mw_cli_info},
    {"batch", "scan many scene pairs (CSV, folder, STAC), resumable, shardable", mw_cli_batch_help, mw_cli_batch},
    {"merge", "join the output folders of batch shards", mw_cli_merge_help, mw_cli_merge},
    {"verify", "check an evidence package (and its inputs) against its SHA-256 sums", mw_cli_verify_help,
     mw_cli_verify},
    {"monitor", "a dated series of one place: sites over time", mw_cli_monitor_help, mw_cli_monitor},
};
enum { NCOMMANDS = sizeof commands / sizeof commands[0] };

static const mw_cli_command *find_command(const char *name)
{
    for (int i = 0; i < NCOMMANDS; i++)
        if (!strcmp(name, commands[i].name)) return &commands[i];
    return NULL;
}

static int print_usage(void)
{
    puts("Usage: minewatch COMMAND [options] [arguments]\n"
         "       minewatch COMMAND --help\n"
         "       minewatch --version | --help\n"
         "\n"
         "Finds candidate mining sites (forest cleared to bare soil, new and turbid\n"
         "ponds) between acquisitions of the same place and writes them as alerts.\n"
         "An alert is a candidate for a person to check, not proof of mining.\n"
         "\n"
         "Commands:");
    for (int i = 0; i < NCOMMANDS; i++) printf("  %-10s %s\n", commands[i].name, commands[i].summary);
    puts("\n"
         "A scene is a multiband raster with named bands, a folder of per-band files\n"
         "(Sentinel-2 L2A or Landsat C2 L2 as downloaded), or a Sentinel-2 .SAFE/.zip.\n"
         "Options take their value as '--opt VALUE' or '--opt=VALUE'.\n"
         "\n"
         "Exit status: 0 success (also with zero alerts), 1 the run failed, 2 usage error.\n"
         "See 'man minewatch' for the manual.");
    return fflush(stdout) == 0 ? 0 : 1;
}

void mw_cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("minewatch: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int mw_cli_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("minewatch: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs("\nTry 'minewatch --help'.\n", stderr);
    va_end(ap);
    return 2;
}

/*
 * GDAL's CPLMalloc()/CPLStrdup() abort when memory runs out, and driver
 * registration makes thousands of them: with too little address space
 * (ulimit -v) for even that, say so and stop before GDAL starts.
 */
static int enough_memory(void)
{
    const size_t headroom = (size_t)32 << 20;
    void *p = mmap(NULL, headroom, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return 0;
    munmap(p, headroom);
    return 1;
}

/*
 * libgomp ends the process with its own message when it cannot create a
 * worker thread (each needs a stack's worth of address space), and it may
 * do so in the middle of a scan with outputs staged. Check that the
 * threads' stacks fit, then create the team now, before anything is
 * staged: it stays parked and later parallel regions reuse it.
 */
static int start_worker_threads(void)
{
    const int n = omp_get_num_procs();
    size_t stack = 8u << 20;
    pthread_attr_t attr;
    if (pthread_getattr_default_np(&attr) == 0) {
        pthread_attr_getstacksize(&attr, &stack);
        pthread_attr_destroy(&attr);
    }
    /* The stacks plus a guard and some room for each thread's arena. */
    const size_t need = (size_t)(n > 1 ? n - 1 : 0) * (stack + ((size_t)2 << 20));
    if (need) {
        void *p = mmap(NULL, need, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED) return 0;
        munmap(p, need);
    }
    volatile int started = 0;  /* a body the compiler cannot drop */
#pragma omp parallel num_threads(n)
    {
#pragma omp atomic
        started++;
    }
    return started > 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) return mw_cli_usage_error("missing command");
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) return print_usage();
    if (!strcmp(cmd, "help")) {  /* minewatch help [COMMAND] */
        if (argc < 3) return print_usage();
        const mw_cli_command *c = find_command(argv[2]);
        if (!c) return mw_cli_usage_error("unknown command '%s'", argv[2]);
        fputs(c->help, stdout);
        return fflush(stdout) == 0 ? 0 : 1;
    }
    if (!strcmp(cmd, "--version")) {
        printf("minewatch %s\n", mw_version());
        return 0;
    }
    const mw_cli_command *c = find_command(cmd);
    if (!c) return mw_cli_usage_error("unknown command '%s'", cmd);
    if (!enough_memory()) {
        mw_cli_error("out of memory: less than 32 MB of address space left to start in");
        return 1;
    }
    if (!start_worker_threads()) {
        mw_cli_error("out of memory: cannot start %d worker threads", omp_get_num_procs());
        return 1;
    }
    mw_init();
    return c->run(argc - 1, argv + 1);
}
