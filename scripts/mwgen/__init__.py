"""mwgen: synthetic two-date Sentinel-2 L2A / Landsat C2 L2 scene generator for minewatch.

Modules:
  noise    -- coordinate-hashed value noise (strip-independent, deterministic)
  world    -- vector "world": rivers, roads, clearings, mining sites, look-alikes, truth
  render   -- per-strip rendering of reflectance, masks and truth rasters
  products -- GeoTIFF stacks, product folders, MTD/MTL metadata, truth GeoJSON
"""
