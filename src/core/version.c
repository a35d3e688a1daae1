#include "minewatch/minewatch.h"

#include <gdal.h>

#ifndef MW_VERSION
#define MW_VERSION "0.0.0"
#endif

const char *mw_version(void) { return MW_VERSION; }

void mw_init(void)
{
    static int done;
    if (done) return;
    done = 1;
    GDALAllRegister();
}
