/*
 * minewatch: the command-line tool, a thin layer over libminewatch.
 * Exit status: 0 success, 1 the run failed, 2 usage error.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "minewatch/minewatch.h"
#include "mw_cli.h"

static const char usage_text[] =
    "Usage: minewatch scan BEFORE AFTER -o ALERTS [options]\n"
    "       minewatch info SCENE [--json] [--sensor S] [--band-map M] [--date D]\n"
    "       minewatch verify EVIDENCE_DIR\n"
    "       minewatch --version | --help\n"
    "\n"
    "Finds candidate mining sites (forest cleared to bare soil, new and turbid\n"
    "ponds) between two acquisitions of the same place and writes them as alerts.\n"
    "\n"
    "A scene is a multiband raster with named bands, a folder of per-band files\n"
    "(Sentinel-2 L2A or Landsat C2 L2 as downloaded), or a Sentinel-2 .SAFE/.zip.\n"
    "\n"
    "scan options:\n"
    "  -o, --output FILE        alerts; format from the extension (.geojson RFC 7946,\n"
    "                           .gpkg, .kml, .fgb, .csv)\n"
    "  --sensor S               auto (default), sentinel2, landsat, generic\n"
    "  --band-map M             blue=1,green=2,red=3,nir=4,swir1=5,swir2=6[,mask=7]\n"
    "  --before-date D          acquisition date of BEFORE (YYYY-MM-DD or YYYYMMDD)\n"
    "  --after-date D           acquisition date of AFTER\n"
    "  --aoi FILE               only scan inside these polygons (any OGR format)\n"
    "  --protected FILE         tag alerts with the protected area they fall in\n"
    "  --min-area HA            smallest alert in hectares (default 0.5)\n"
    "  --min-confidence P       smallest confidence 0..1 (default 0.5)\n"
    "  --model FILE             model file (default: models/<sensor>.json)\n"
    "  --threads N              worker threads (default: all cores)\n"
    "  --tile-size PX           tile edge in pixels, 16..8192 (default 512)\n"
    "  --change-raster FILE.tif change classes and index changes as a GeoTIFF\n"
    "  --evidence DIR           also write an evidence package (chips, report.html,\n"
    "                           manifest.json with SHA-256 of every input, alerts.kmz,\n"
    "                           SHA256SUMS); DIR must be new or empty\n"
    "  --timings                print where the time went (stderr)\n"
    "  -q, --quiet              no progress and no summary\n"
    "\n"
    "Exit status: 0 success (also with zero alerts), 1 the run failed, 2 usage error.\n";

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

int main(int argc, char **argv)
{
    if (argc < 2) return mw_cli_usage_error("missing command (scan, info or verify)");
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        fputs(usage_text, stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version")) {
        printf("minewatch %s\n", mw_version());
        return 0;
    }
    mw_init();
    if (!strcmp(cmd, "scan")) return mw_cli_scan(argc - 1, argv + 1);
    if (!strcmp(cmd, "info")) return mw_cli_info(argc - 1, argv + 1);
    if (!strcmp(cmd, "verify")) return mw_cli_verify(argc - 1, argv + 1);
    return mw_cli_usage_error("unknown command '%s'", cmd);
}
