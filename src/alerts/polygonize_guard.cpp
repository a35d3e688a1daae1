/*
 * GDALPolygonize() behind a C++ catch: GDAL's C++ throws std::bad_alloc
 * when memory runs out, and an exception reaching C frames (or the end of
 * an OpenMP region) aborts the process. Here it becomes a status.
 */
#include <new>

#include <gdal_alg.h>

extern "C" int mw_polygonize_guarded(GDALRasterBandH band, GDALRasterBandH mask, OGRLayerH layer,
                                     int field, int *out_of_memory)
{
    *out_of_memory = 0;
    try {
        return GDALPolygonize(band, mask, layer, field, nullptr, nullptr, nullptr) == CE_None ? 0 : -1;
    } catch (const std::bad_alloc &) {
        *out_of_memory = 1;
    } catch (...) {
    }
    return -1;
}
