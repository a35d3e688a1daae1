/*
 * The minewatch command-line tool: its commands, their option parser and
 * its messages. A command is one row of the table in main.c (name, one-line
 * summary, help text, entry point) and one cmd_<name>.c; every command
 * parses its arguments with mw_cli_next(), so `--opt value`, `--opt=value`,
 * `-o value`, `-ovalue`, `--` and `COMMAND --help` work the same everywhere.
 *
 * Entry points return the process exit code: 0 success, 1 the run failed
 * (message printed), 2 usage error.
 */
#ifndef MW_CLI_H
#define MW_CLI_H

#include <signal.h>

#include "minewatch/minewatch.h"

/** One command of the tool. */
typedef struct mw_cli_command {
    const char *name;      /**< "scan" */
    const char *summary;   /**< one line for `minewatch --help` */
    const char *help;      /**< `minewatch NAME --help`: usage line first, then options */
    int (*run)(int argc, char **argv);  /**< argv[0] == name */
} mw_cli_command;

int mw_cli_info(int argc, char **argv);
int mw_cli_scan(int argc, char **argv);
int mw_cli_batch(int argc, char **argv);
int mw_cli_merge(int argc, char **argv);
int mw_cli_verify(int argc, char **argv);
extern const char mw_cli_info_help[];
extern const char mw_cli_scan_help[];
extern const char mw_cli_batch_help[];
extern const char mw_cli_merge_help[];
extern const char mw_cli_verify_help[];

/** One option a command accepts. */
typedef struct mw_cli_option {
    const char *name;      /**< long name with its dashes, "--output" */
    char short_name;       /**< 'o' for -o, or 0 */
    int takes_value;       /**< 1: "--name VALUE" / "--name=VALUE"; 0: a flag */
    int id;                /**< > 0, returned by mw_cli_next() */
} mw_cli_option;

/** What mw_cli_next() found. */
enum {
    MW_CLI_POSITIONAL = 0,  /**< *value is a positional argument */
    MW_CLI_END = -1,        /**< no arguments left */
    MW_CLI_STOP = -2        /**< help printed (exit 0) or usage error printed (exit 2): return p->rc */
};

/** Parser state over argv[1..argc-1] of one command. */
typedef struct mw_cli_parser {
    const char *cmd;            /**< command name, for messages */
    const char *help;           /**< printed for -h / --help */
    const mw_cli_option *opts;  /**< the command's options */
    int nopts;
    int argc;
    char **argv;
    int i;                      /**< next argv index */
    int only_positional;        /**< after "--" */
    int rc;                     /**< exit code when MW_CLI_STOP */
} mw_cli_parser;

void mw_cli_parser_init(mw_cli_parser *p, const char *cmd, const char *help, const mw_cli_option *opts,
                        int nopts, int argc, char **argv);
/**
 * Next argument: an option's id (its value in *value, NULL for a flag),
 * MW_CLI_POSITIONAL, MW_CLI_END or MW_CLI_STOP. Options may come in any
 * order, before or after positional arguments.
 */
int mw_cli_next(mw_cli_parser *p, const char **value);
/**
 * The whole command line through @p on_arg (an option's id and value, or
 * MW_CLI_POSITIONAL and the argument), stopping at the first non-zero it
 * returns: -1 when every argument was taken, else the exit code (the
 * callback's, or p->rc after --help or a usage error).
 */
int mw_cli_parse(mw_cli_parser *p, int (*on_arg)(int id, const char *value, void *user), void *user);

/** The sensor names of --sensor (auto, sentinel2, landsat, generic and aliases): 0, or 2 on error, printed. */
int mw_cli_parse_sensor(const char *cmd, const char *value, mw_sensor *out);
/** A whole number / a finite number as the value of option @p opt: 0, or 2 on error, printed. */
int mw_cli_parse_long(const char *opt, const char *s, long *out);
int mw_cli_parse_double(const char *opt, const char *s, double *out);

int mw_cli_monitor(int argc, char **argv); /* argv[0] == "monitor" */
extern const char mw_cli_monitor_help[];

/* " (2 new, 1 growing, ...)" for a set with lineage (a "status" property), else "". */
void mw_cli_status_counts(const mw_alert_set *set, char *buf, int size);
/* 1 when both paths name the same existing file (symlinks followed). */
int mw_cli_same_file(const char *a, const char *b);

/* Print "minewatch: error: <msg>" on stderr (one line). */
void mw_cli_error(const char *fmt, ...);
/* Print "minewatch: <msg>\nTry 'minewatch --help'." on stderr; returns 2. */
int mw_cli_usage_error(const char *fmt, ...);

/** The options scan, batch and monitor share, by the ids their option tables use. */
enum {
    MW_CLI_OPT_AOI = 1000, MW_CLI_OPT_PROTECTED, MW_CLI_OPT_MODEL, MW_CLI_OPT_MIN_AREA,
    MW_CLI_OPT_MIN_CONFIDENCE, MW_CLI_OPT_THREADS, MW_CLI_OPT_TILE_SIZE
};
/** The option-table rows of the shared options (scan, batch, monitor). */
#define MW_CLI_SCAN_OPTIONS                                                                           \
    {"--aoi", 0, 1, MW_CLI_OPT_AOI}, {"--protected", 0, 1, MW_CLI_OPT_PROTECTED},                     \
        {"--model", 0, 1, MW_CLI_OPT_MODEL}, {"--min-area", 0, 1, MW_CLI_OPT_MIN_AREA},               \
        {"--min-confidence", 0, 1, MW_CLI_OPT_MIN_CONFIDENCE}, {"--threads", 0, 1, MW_CLI_OPT_THREADS}, \
        {"--tile-size", 0, 1, MW_CLI_OPT_TILE_SIZE}
/** Apply shared option @p id = @p v to @p opt: 0, the exit code of a usage error, or -1 when @p id is not shared. */
int mw_cli_apply_scan_option(int id, const char *v, mw_options *opt);

/** A GDAL-style progress bar on stderr (scan, monitor). last = -1 before the first tick. */
typedef struct mw_cli_bar {
    int quiet;
    int last;                             /**< last tick printed, in 2.5 % steps */
    const volatile sig_atomic_t *stop;    /**< set by a signal handler: cancel */
} mw_cli_bar;
/** SIGINT and SIGTERM to @p handler (which sets a flag: the run stops cleanly). */
void mw_cli_catch_signals(void (*handler)(int));
/** An mw_progress_fn over an mw_cli_bar. */
int mw_cli_bar_progress(double done, const char *msg, void *arg);

#endif
