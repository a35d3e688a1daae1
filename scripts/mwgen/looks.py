"""Looks: how a scene's mining, soils, vegetation and atmosphere appear.

No single look defines mining: real fronts have brown, green, turquoise or
milky ponds, or none (dry tailings, fresh sand); soils are pale sand or dark
clay; forest is dense or open; haze and sensor noise vary.  A look is a dict
of the settings below; `gen_scenes.py --look` takes `KEY=VALUE,...` or the
name of a pool (`train`, `shifted`) from which each seed draws one look.

The two pools share no value of pond colour, soil, vegetation, haze or
noise (and only wet tailings): a model fitted on `train` looks and scored on
`shifted` ones is judged on looks it never saw.  No look (the default) leaves the generator's output byte-identical.
"""
import numpy as np

# setting -> allowed values (the first is the generator's own look)
SETTINGS = {
    "ponds": ("mixed", "brown", "milky", "green", "turquoise", "none"),
    "tailings": ("wet", "dry"),
    "soil": ("laterite", "bright", "dark"),
    "veg": ("dense", "open", "sparse"),
    "haze": ("0", "0.3", "0.6"),
    "noise": ("1", "1.5", "2.5"),
}
DEFAULT = {k: v[0] for k, v in SETTINGS.items()}

# Pools. `train` varies every setting, so that no single look defines
# mining there (sites with no pond at all among them, dark soils, open
# forest, some haze and noise); `shifted` takes every setting to values
# `train` never has (green or turquoise ponds, dry tailings, bright soil,
# sparse forest, more haze and noise), so a model fitted on `train` looks is
# judged on looks it never saw. Only wet tailings appear in both (the
# generator's ordinary pits).
POOLS = {
    "train": {"ponds": ("mixed", "brown", "milky", "none"), "tailings": ("wet",), "soil": ("laterite", "dark"),
              "veg": ("dense", "open"), "haze": ("0", "0.3"), "noise": ("1", "1.5")},
    "shifted": {"ponds": ("green", "turquoise"), "tailings": ("dry", "wet"), "soil": ("bright",),
                "veg": ("sparse",), "haze": ("0.6",), "noise": ("2.5",)},
}

# pond colour a look paints (None: the generator's own mix)
POND_CODE = {"mixed": None, "brown": "pond_brown", "milky": "pond_milky", "green": "pond_yellowgrn",
             "turquoise": "pond_turquoise", "none": None}
# soil reflectance factors per band (B G R NIR SWIR1 SWIR2) for bare ground
# (laterite, mud, farm soil, roads): pale quartz sand or dark clay / wet soil
SOIL_FACTOR = {"laterite": None,
               "bright": (1.55, 1.45, 1.30, 1.25, 1.15, 1.10),
               "dark": (0.62, 0.62, 0.60, 0.66, 0.70, 0.72)}
SOIL_CODES = ("bare_laterite", "farm_soil", "mud", "road")
# vegetation: share of bare soil seen through the canopy (open forest,
# cerrado-like sparse woodland)
VEG_SOIL_SHARE = {"dense": 0.0, "open": 0.18, "sparse": 0.35}
VEG_CODES = ("forest", "secondary", "pasture", "pioneer")


def parse(text, seed):
    """A look from `--look` text: a pool name (drawn from by seed) or
    KEY=VALUE pairs separated by commas.  Raises ValueError naming the
    problem."""
    if text in POOLS:
        return draw(text, seed)
    look = dict(DEFAULT)
    for item in text.split(","):
        if "=" not in item:
            raise ValueError("--look: '%s' is neither a pool (%s) nor KEY=VALUE" % (item, ", ".join(POOLS)))
        k, v = (s.strip() for s in item.split("=", 1))
        if k not in SETTINGS:
            raise ValueError("--look: unknown setting '%s' (known: %s)" % (k, ", ".join(SETTINGS)))
        if v not in SETTINGS[k]:
            raise ValueError("--look: %s=%s: not one of %s" % (k, v, ", ".join(SETTINGS[k])))
        look[k] = v
    return look


def draw(pool, seed):
    """One look of a pool, from the seed (its own generator: the world's
    random stream is not touched)."""
    r = np.random.default_rng([int(seed), 0x100C])
    return {k: vals[int(r.integers(0, len(vals)))] for k, vals in POOLS[pool].items()}


def describe(look):
    return ",".join("%s=%s" % (k, look[k]) for k in SETTINGS)


def materials(base, look):
    """The material table (list of (name, refl, tex, veg)) of a look."""
    if look is None:
        return base
    out = []
    names = [m[0] for m in base]
    soil_refl = dict((m[0], np.array(m[1])) for m in base)
    bare = soil_refl["bare_laterite"]
    if SOIL_FACTOR[look["soil"]] is not None:
        bare = bare * np.array(SOIL_FACTOR[look["soil"]])
    share = VEG_SOIL_SHARE[look["veg"]]
    for name, refl, tex, veg in base:
        refl = np.array(refl, float)
        if name in SOIL_CODES and SOIL_FACTOR[look["soil"]] is not None:
            refl = refl * np.array(SOIL_FACTOR[look["soil"]])
        if name in VEG_CODES and share > 0:
            refl = (1 - share * veg) * refl + share * veg * bare
        out.append((name, tuple(float(x) for x in refl), tex, veg))
    assert [m[0] for m in out] == names
    return out
