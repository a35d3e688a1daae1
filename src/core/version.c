#include "minewatch/minewatch.h"

#include <gdal.h>

const char *mw_version(void) { return MW_VERSION_STRING; }

void mw_init(void)
{
    static int done;
    if (done) return;
    done = 1;
    GDALAllRegister();
}
