/* Error state and rectangles. */
#include <string.h>

#include <cpl_error.h>

#include "core/mw_error.h"
#include "core/mw_rect.h"
#include "minewatch/minewatch.h"
#include "mw_test.h"

int main(void)
{
    mw_error_reset();
    CHECK(mw_last_status() == MW_OK);
    CHECK_STR(mw_last_error(), "");
    CHECK(mw_error_set(MW_ERR_BAND, "%s: no %s band", "a.tif", "red") == MW_ERR_BAND);
    CHECK_STR(mw_last_error(), "a.tif: no red band");
    CHECK(mw_last_status() == MW_ERR_BAND);
    mw_error_set(MW_ERR_OPEN, "line one\nline two");
    CHECK(strchr(mw_last_error(), '\n') == NULL);
    CHECK(strcmp(mw_strerror(MW_ERR_NO_OVERLAP), "unknown status") != 0);

    /* A GDAL message quoting a whole SQL script (GeoPackage on a full disk)
     * keeps its head and its reason at the end, in one readable line. */
    char sql[4000];
    memset(sql, 'x', sizeof sql);
    memcpy(sql, "sqlite3_exec(CREATE TABLE", 25);
    strcpy(sql + sizeof sql - 40, ") failed: database or disk is full");
    CPLPushErrorHandler(CPLQuietErrorHandler);
    CPLError(CE_Failure, CPLE_AppDefined, "%s", sql);
    mw_error_from_gdal(MW_ERR_WRITE, "a.gpkg", NULL);
    CPLPopErrorHandler();
    CHECK(strlen(mw_last_error()) < 400);
    CHECK(strncmp(mw_last_error(), "a.gpkg: sqlite3_exec(CREATE TABLE", 33) == 0);
    CHECK(strstr(mw_last_error(), "failed: database or disk is full") != NULL);

    mw_rect a = {0, 0, 10, 10}, b = {5, 8, 10, 10};
    mw_rect i = mw_rect_intersect(a, b);
    CHECK(i.x == 5 && i.y == 8 && i.w == 5 && i.h == 2);
    mw_rect c = {20, 20, 3, 3};
    CHECK(mw_rect_is_empty(mw_rect_intersect(a, c)));
    mw_rect e = mw_rect_expand(a, 2);
    CHECK(e.x == -2 && e.y == -2 && e.w == 14 && e.h == 14);
    MW_TEST_DONE();
}
