/* The option object's fields, for the engine only. */
#ifndef MW_OPTIONS_INTERNAL_H
#define MW_OPTIONS_INTERNAL_H

struct mw_options {
    int threads;            /* 0 = all cores */
    int tile_size;
    int timings;
    int commit_with_alerts; /* change raster committed by the set's first write */
    double min_area_ha;
    double min_confidence;
    char *model;
    char *aoi;
    char *protected_areas;
    char *change_raster;
    char *output;
    char *model_dir;
    char *evidence;         /* evidence package folder */
    char *command_line;     /* for the evidence manifest */
    char *previous;         /* earlier alert file (lineage) */
    const char *previous_label;  /* borrowed: how the output names the earlier file (default: previous) */
    int lineage;            /* lineage fields even without an earlier file (a series' first step) */
};

#endif
