"""minewatch: candidate illegal mining sites from two satellite acquisitions.

A thin ctypes layer over the installed libminewatch (no compiled
extension). One call scans a pair and returns its alerts as a GeoJSON-like
dict, the same content as the `.geojson` file `minewatch scan` writes:

    import minewatch
    fc = minewatch.scan("before.tif", "after.tif", min_area=0.1)
    for f in fc["features"]:
        print(f["id"], f["properties"]["class"], f["properties"]["confidence"])

Scans in one process share a context (minewatch.Context): a model file is
read once however many pairs use it. Make your own Context for other
defaults (threads, a model folder) or to run scans from several threads.

The library is found from $MINEWATCH_LIBRARY (a path to libminewatch.so),
else beside this package as `meson install` placed it, else on the
system's library path.
"""
import ctypes
import json
import os
import threading
import warnings

__all__ = ["scan", "Context", "AlertSet", "MinewatchError", "MinewatchWarning", "version",
           "library_path"]

_SENSORS = {"auto": 0, "sentinel2": 1, "landsat": 2, "generic": 3}

# mw_option keys (minewatch/scan.h)
_OPT_THREADS, _OPT_TILE_SIZE, _OPT_TIMINGS, _OPT_COMMIT_WITH_ALERTS = 1, 2, 3, 4
_OPT_MIN_AREA_HA, _OPT_MIN_CONFIDENCE = 100, 101
_OPT_MODEL, _OPT_AOI, _OPT_PROTECTED, _OPT_CHANGE_RASTER, _OPT_OUTPUT, _OPT_MODEL_DIR = range(200, 206)

# keyword -> (key, kind)
_OPTIONS = {
    "threads": (_OPT_THREADS, "int"),
    "tile_size": (_OPT_TILE_SIZE, "int"),
    "min_area": (_OPT_MIN_AREA_HA, "double"),
    "min_confidence": (_OPT_MIN_CONFIDENCE, "double"),
    "model": (_OPT_MODEL, "string"),
    "aoi": (_OPT_AOI, "string"),
    "protected": (_OPT_PROTECTED, "string"),
    "change_raster": (_OPT_CHANGE_RASTER, "string"),
    "model_dir": (_OPT_MODEL_DIR, "string"),
}


class MinewatchError(Exception):
    """A library call failed: .status is the mw_status code, the message
    names the file and the reason ("<file>: <reason>")."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


class MinewatchWarning(UserWarning):
    """Something the user should know about a scan that still succeeded."""


class _SceneArgs(ctypes.Structure):
    _fields_ = [("sensor", ctypes.c_int), ("band_map", ctypes.c_char_p), ("date", ctypes.c_char_p)]


_PROGRESS = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_double, ctypes.c_char_p, ctypes.c_void_p)


def _candidates():
    env = os.environ.get("MINEWATCH_LIBRARY")
    if env:
        return [env]
    out = []
    try:
        from . import _config  # written by meson install
        here = os.path.dirname(os.path.abspath(__file__))
        # Relative to where the package is now (an install moved with
        # DESTDIR or copied elsewhere keeps working), then as configured.
        rel = os.path.relpath(_config.LIBRARY, _config.PACKAGE_DIR)
        out += [os.path.normpath(os.path.join(here, rel)), _config.LIBRARY]
    except ImportError:
        pass
    return out + ["libminewatch.so.0", "libminewatch.so"]


def _load():
    errors = []
    for path in _candidates():
        try:
            return ctypes.CDLL(path), path
        except OSError as e:
            errors.append("%s: %s" % (path, e))
    raise ImportError("minewatch: cannot load libminewatch (" + "; ".join(errors) + ")")


_lib, library_path = _load()


def _fn(name, restype, *argtypes):
    f = getattr(_lib, name)
    f.restype = restype
    f.argtypes = list(argtypes)
    return f


_P = ctypes.c_void_p
_S = ctypes.c_char_p
_I = ctypes.c_int
_version = _fn("mw_version", _S)
_last_error = _fn("mw_last_error", _S)
_free = _fn("mw_free", None, _P)
_scene_open = _fn("mw_scene_open", _I, _S, ctypes.POINTER(_SceneArgs), ctypes.POINTER(_P))
_scene_destroy = _fn("mw_scene_destroy", None, _P)
_options_new = _fn("mw_options_new", _P)
_options_free = _fn("mw_options_free", None, _P)
_options_set = {
    "int": _fn("mw_options_set_int", _I, _P, _I, ctypes.c_long),
    "double": _fn("mw_options_set_double", _I, _P, _I, ctypes.c_double),
    "string": _fn("mw_options_set_string", _I, _P, _I, _S),
}
_context_create = _fn("mw_context_create", _I, ctypes.POINTER(_P))
_context_destroy = _fn("mw_context_destroy", None, _P)
_context_set_threads = _fn("mw_context_set_threads", _I, _P, _I)
_context_set_model_dir = _fn("mw_context_set_model_dir", _I, _P, _S)
_context_models_loaded = _fn("mw_context_models_loaded", _I, _P)
_scan_run = _fn("mw_scan_run", _I, _P, ctypes.POINTER(_P), _I, _P, _P, _PROGRESS, _P, ctypes.POINTER(_P))
_set_destroy = _fn("mw_alert_set_destroy", None, _P)
_set_count = _fn("mw_alert_set_count", _I, _P)
_set_write = _fn("mw_alert_set_write", _I, _P, _S)
_set_to_geojson = _fn("mw_alert_set_to_geojson", _I, _P, ctypes.POINTER(_P))
_set_metadata = _fn("mw_alert_set_metadata_json", _S, _P)
_set_warning_count = _fn("mw_alert_set_warning_count", _I, _P)
_set_warning = _fn("mw_alert_set_warning", _S, _P, _I)
_set_timings = _fn("mw_alert_set_timings", _S, _P)
_set_pixels = _fn("mw_alert_set_pixels", ctypes.c_longlong, _P)


def version():
    """The library's version string."""
    return _version().decode()


def _enc(s):
    return None if s is None else os.fsencode(s)


def _check(status):
    if status != 0:
        raise MinewatchError(status, _last_error().decode("utf-8", "replace"))


class AlertSet:
    """The alerts of one scan, in the library's memory. Use .to_dict() (or
    scan(), which returns it), .write(path) for any format minewatch
    writes (.geojson .gpkg .kml .fgb .csv .shp, or a /vsimem/ path)."""

    def __init__(self, handle):
        self._h = handle

    def __del__(self):
        self.close()

    def close(self):
        """Free the set now (a change raster waiting for write() is removed)."""
        if getattr(self, "_h", None):
            _set_destroy(self._h)
            self._h = None

    def _handle(self):
        if not self._h:
            raise ValueError("alert set is closed")
        return self._h

    def __len__(self):
        return _set_count(self._handle())

    def to_dict(self):
        """The set as its GeoJSON FeatureCollection (with the `minewatch` member)."""
        out = _P()
        _check(_set_to_geojson(self._handle(), ctypes.byref(out)))
        try:
            return json.loads(ctypes.string_at(out).decode("utf-8"))
        finally:
            _free(out)

    def write(self, path):
        """Write the alerts to @path; the format follows the extension."""
        _check(_set_write(self._handle(), _enc(path)))

    @property
    def metadata(self):
        """The run: version, scenes, model, parameters (a dict)."""
        return json.loads(_set_metadata(self._handle()).decode("utf-8"))

    @property
    def warnings(self):
        h = self._handle()
        return [_set_warning(h, i).decode("utf-8", "replace") for i in range(_set_warning_count(h))]

    @property
    def timings(self):
        t = _set_timings(self._handle())
        return t.decode() if t else None

    @property
    def pixels(self):
        return _set_pixels(self._handle())


class Context:
    """What scans share: the model cache, default threads, a model folder.
    Safe to use from several threads at once."""

    def __init__(self, threads=0, model_dir=None):
        h = _P()
        _check(_context_create(ctypes.byref(h)))
        self._h = h
        _check(_context_set_threads(h, int(threads)))
        if model_dir is not None:
            _check(_context_set_model_dir(h, _enc(model_dir)))

    def __del__(self):
        self.close()

    def close(self):
        if getattr(self, "_h", None):
            _context_destroy(self._h)
            self._h = None

    @property
    def models_loaded(self):
        """How many model files were parsed so far (each once)."""
        return _context_models_loaded(self._h)

    def scan_set(self, before, after, sensor="auto", band_map=None, before_date=None,
                 after_date=None, output=None, progress=None, **options):
        """Scan and return an AlertSet (see scan() for the arguments)."""
        if sensor not in _SENSORS:
            raise ValueError("sensor must be one of %s, not %r" % (", ".join(_SENSORS), sensor))
        opt = _options_new()
        if not opt:
            raise MemoryError("minewatch: out of memory")
        scenes = []
        try:
            for key, value in options.items():
                if key not in _OPTIONS:
                    raise TypeError("scan() got an unknown option %r" % key)
                if value is None:
                    continue
                k, kind = _OPTIONS[key]
                v = _enc(value) if kind == "string" else (int(value) if kind == "int" else float(value))
                st = _options_set[kind](opt, k, v)
                if st != 0:
                    raise ValueError(_last_error().decode("utf-8", "replace"))
            if output is not None or options.get("change_raster") is not None:
                # A change raster waits for the alert file: both or neither.
                _options_set["int"](opt, _OPT_COMMIT_WITH_ALERTS, 1 if output is not None else 0)
            for path, date in ((before, before_date), (after, after_date)):
                args = _SceneArgs(_SENSORS[sensor], _enc(band_map), _enc(date))
                h = _P()
                _check(_scene_open(_enc(path), ctypes.byref(args), ctypes.byref(h)))
                scenes.append(h)
            befores = (_P * 1)(scenes[0])
            raised = []

            def on_progress(done, msg, user):
                # Python runs its signal handlers here: Ctrl-C (or an
                # exception of the caller's callable) cancels the scan
                # cleanly and is raised again once the library returned.
                try:
                    if progress is not None and progress(done, msg.decode() if msg else None) is False:
                        return 0
                    return 1
                except BaseException as e:  # noqa: B902 (re-raised below)
                    raised.append(e)
                    return 0

            cb = _PROGRESS(on_progress)
            out = _P()
            st = _scan_run(self._h, befores, 1, scenes[1], opt, cb, None, ctypes.byref(out))
            if raised:
                if st == 0:
                    _set_destroy(out)
                raise raised[0]
            _check(st)
            result = AlertSet(out)
            for w in result.warnings:
                warnings.warn(w, MinewatchWarning, stacklevel=3)
            if output is not None:
                result.write(output)
            return result
        finally:
            for h in scenes:
                _scene_destroy(h)
            _options_free(opt)

    def scan(self, before, after, **kwargs):
        """Scan and return the alerts as a GeoJSON-like dict (see scan())."""
        s = self.scan_set(before, after, **kwargs)
        try:
            return s.to_dict()
        finally:
            s.close()


_default = None
_default_lock = threading.Lock()


def default_context():
    """The context scan() uses: one per process, made on first use."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Context()
        return _default


def scan(before, after, **options):
    """Scan BEFORE against AFTER (paths of scenes as `minewatch scan` takes
    them) and return the alerts as a dict: a GeoJSON FeatureCollection with
    the `minewatch` run member, the content of the .geojson file the
    command line writes.

    Options (all optional): sensor ("auto", "sentinel2", "landsat",
    "generic"), band_map ("blue=1,green=2,..."), before_date, after_date,
    aoi, protected (paths of polygon layers), min_area (ha, default 0.5),
    min_confidence (default 0.5), model (a model file), model_dir, threads
    (0 = all cores), tile_size, change_raster (a GeoTIFF path), output (also
    write the alerts there, any format; the change raster is then committed
    with it), progress (a callable(done, message) returning False to
    cancel), context (a Context; default: one shared per process).
    Ctrl-C cancels a running scan (nothing is left on disk) and raises
    KeyboardInterrupt.

    Raises MinewatchError (with .status and a message naming the file) when
    the scan fails; warnings come as MinewatchWarning.
    """
    ctx = options.pop("context", None) or default_context()
    return ctx.scan(before, after, **options)
