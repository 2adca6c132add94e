"""HDF5 recordings: the app's own layout, and generic files from loggers and other tools.

The app's layout (written by :mod:`shm_app.io.hdf5_writer`)::

    /recording            group, attrs: shm_app_layout = "recording/1", fs_hz, start (ISO or ""), metadata_json
    /recording/data       float64 (n_samples, n_channels), m/s² (or each channel's own unit)
    /recording/channel_names, /recording/units, /recording/source_units, /recording/directions   strings
    /recording/positions_m  float64 (n_channels, 3), NaN where unknown

Generic files: the signal is either one 2-D dataset (named data/acc/signals/..., or the clearly largest one,
or ``dataset=``) or a set of equally long 1-D datasets in one group (one per channel, ``group=`` or
``dataset="a,b,c"``). fs, start, channel names and units are read from attributes of the dataset, its group
and the file (``fs``, ``sampling_rate``, ``dt``, ``wf_increment``, ``start``, ``channels``, ``unit``...), or fs
from a time dataset.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import numpy as np

from shm_app.errors import ReadError
from shm_app.io._common import check_size, choose_fs, fs_from_times, log_reason, make_recording, size_text
from shm_app.io._containers import (NAME_NAMES, START_NAMES, TIME_NAMES, UNIT_NAMES, as_datetime, as_text,
                                    as_text_list, choose_signal, describe, fs_from_mapping, lookup, orient)
from shm_app.recording import Recording

FORMAT = "hdf5"
LAYOUT = "recording/1"


_PLUGINS_OFF = False


def _no_plugins() -> None:
    """HDF5 loads compression plugins from shared libraries on a search path when a file names an unknown filter;
    a recording never needs one, so the search path is emptied (no library is loaded because a file asks)."""
    global _PLUGINS_OFF
    if _PLUGINS_OFF:
        return
    import h5py

    try:
        while h5py.h5pl.size():
            h5py.h5pl.remove(0)
    except Exception:  # noqa: BLE001 - an HDF5 build without the plugin interface: nothing to empty
        pass
    _PLUGINS_OFF = True


def get_object(path: Path, root, name: str):
    """``root[name]`` following hard and soft links inside the file only: an external link (into another file) is
    refused, so is a soft link that leads nowhere or in a circle."""
    import h5py

    parts = [p for p in str(name).split("/") if p]
    node = root if not str(name).startswith("/") else root.file
    for i, part in enumerate(parts):
        link = node.get(part, getlink=True) if isinstance(node, h5py.Group) else None
        if link is None:
            raise KeyError(name)
        if isinstance(link, h5py.ExternalLink):
            raise ReadError(path, f"{'/'.join(parts[:i + 1])} is a link into another file ({link.filename}); refused "
                                  f"(a recording holds its own data)")
        try:
            node = node[part]
        except (KeyError, RuntimeError, OSError, ValueError):
            raise ReadError(path, f"{'/'.join(parts[:i + 1])} is a link that leads nowhere (or in a circle); the file "
                                  f"is damaged") from None
    return node


def check_dataset(ds, path: Path) -> None:
    """Refuse, before reading, a dataset whose samples are not in this file (virtual datasets, external raw
    storage: they read other files, any file), whose declared size the file does not hold (chunks never written,
    a compression bomb), or that would not fit in memory (naming the size)."""
    if ds.is_virtual:
        raise ReadError(path, f"dataset {ds.name} is a virtual dataset reading other files; refused (a recording "
                              f"holds its own data)")
    if ds.external:
        raise ReadError(path, f"dataset {ds.name} keeps its samples in an external file "
                              f"({ds.external[0][0]!r}); refused (a recording holds its own data)")
    itemsize = int(ds.dtype.itemsize) or 1
    declared = int(ds.size) * itemsize
    check_size(path, ds.shape, f"dataset {ds.name}", itemsize=itemsize)
    try:
        stored = int(ds.id.get_storage_size())
        filters = ds.id.get_create_plist().get_nfilters()
    except Exception:  # noqa: BLE001 - an unusual storage layout: the read itself will tell
        return
    if declared > _PLAUSIBLE_BYTES and not filters and stored < declared:
        raise ReadError(path, f"dataset {ds.name} declares {size_text(declared)} but only {size_text(stored)} of "
                              f"samples were ever written to the file; it is damaged or was never filled")
    if declared > _PLAUSIBLE_BYTES and filters and declared > _MAX_COMPRESSION * max(stored, 1):
        raise ReadError(path, f"dataset {ds.name} declares {size_text(declared)} stored in {size_text(stored)} "
                              f"({declared / max(stored, 1):.0f} to 1): measured signals never compress that well; "
                              f"the file is damaged, unfilled or a decompression bomb")


MAX_CHANNEL_DATASETS = 1024
#: longest text (channel name, unit, direction) the app's layout holds, bytes; real ones are a few dozen
MAX_TEXT_BYTES = 4096


def check_text(path: Path, ds) -> None:
    """Refuse, before reading, a string dataset whose entries declare more than :data:`MAX_TEXT_BYTES` each.

    Fixed-length strings declare it in their type. Variable-length ones keep, per entry in the dataset's own
    storage, a 4-byte length and the address of the text elsewhere in the file; HDF5 allocates that length before
    it finds the text does not match it, so a damaged length made a 60 kB file take ~1 GB. The lengths are read
    from the raw storage first (the app writes it contiguous; any other layout of variable-length text is refused).
    """
    import h5py

    kind = h5py.check_string_dtype(ds.dtype)
    if kind is None or ds.size == 0:
        return
    if kind.length is not None:
        if kind.length > MAX_TEXT_BYTES:
            raise ReadError(path, f"{ds.name} declares texts of {kind.length:,} bytes each (names and units are a "
                                  f"few dozen); the file is damaged")
        return
    try:
        contiguous = ds.id.get_create_plist().get_layout() == h5py.h5d.CONTIGUOUS
        offset, stored = ds.id.get_offset(), int(ds.id.get_storage_size())
    except Exception:  # noqa: BLE001 - storage the library cannot describe: treated as below
        contiguous, offset, stored = False, None, 0
    entry = stored // ds.size
    if not contiguous or offset is None or stored != entry * ds.size or entry < 4 or entry % 4:
        raise ReadError(path, f"{ds.name} keeps its texts in a layout the app never writes; the file is damaged")
    with open(path, "rb") as fh:
        fh.seek(offset)
        raw = fh.read(stored)
    if len(raw) < stored:
        raise ReadError(path, "the HDF5 file is truncated (cut short while copying?); copy it again")
    lengths = np.ndarray((ds.size,), dtype="<u4", buffer=raw, strides=(entry,))
    if lengths.max() > MAX_TEXT_BYTES:
        k = int(np.argmax(lengths))
        raise ReadError(path, f"entry {k + 1} of {ds.name} declares a text of {int(lengths[k]):,} bytes (names and "
                              f"units are a few dozen); the file is damaged")
_PLAUSIBLE_BYTES = 64 * 2**20  # below this, no dataset is worth suspecting
_MAX_COMPRESSION = 200  # measured signals compress by a few times, not hundreds


def open_h5(path: Path):
    import h5py

    _no_plugins()
    try:
        return h5py.File(path, "r")
    except OSError as exc:
        text = str(exc)
        log_reason(path, exc)
        if "truncated" in text or "eof" in text.lower():
            raise ReadError(path, "the HDF5 file is truncated (cut short while copying?); copy it again") from None
        if "signature not found" in text:
            raise ReadError(path, "not an HDF5 file (it lacks the HDF5 signature); check the file type or its "
                                  "suffix") from None
        raise ReadError(path, "the HDF5 file is damaged: its internal directory (superblock or object headers) "
                              "cannot be read; copy or export it again") from None


def _numeric_datasets(root) -> dict:
    import h5py

    found: dict = {}

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset) and obj.dtype.kind in "fiu" and obj.ndim in (1, 2) and obj.size > 1:
            found[name] = obj

    root.visititems(visit)
    return found


def _attrs_chain(obj) -> dict:
    """Attributes of the file, then of the dataset's nearest parents (up to three groups up), then of the dataset
    itself (nearest wins). Deeper ancestors are not consulted: in a file nested hundreds of levels deep, walking
    every parent costs a lookup per level per level."""
    chain = [obj]
    parts = [p for p in obj.name.split("/") if p]
    for up in range(1, min(3, len(parts) - 1) + 1):
        chain.append(obj.file["/" + "/".join(parts[:-up])])
    chain.append(obj.file["/"])
    merged: dict = {}
    for o in reversed(chain):
        keys = list(o.attrs.keys())[:1000]
        for k in keys:
            try:
                merged[k] = o.attrs[k]
            except Exception:  # noqa: BLE001 - an attribute of a type h5py cannot read: not metadata the app uses
                continue
    return merged


def _read(ds, path: Path) -> np.ndarray:
    check_dataset(ds, path)
    try:
        return ds[()]
    except Exception as exc:  # noqa: BLE001 - h5py/HDF5 errors on damaged chunks come in many types
        log_reason(path, exc)
        raise ReadError(path, f"dataset {ds.name} cannot be read: a block of its stored values is damaged or "
                              f"missing (the file is damaged or truncated); copy or export it again") from None


def _read_app_layout(path: Path, grp, fs, options) -> Recording:
    import h5py

    def member(key):
        if key not in grp.keys():
            return None
        ds = get_object(path, grp, key)
        if not isinstance(ds, h5py.Dataset):
            raise ReadError(path, f"/recording/{key} is not a dataset; the file is damaged")
        check_dataset(ds, path)
        return ds

    data_ds = member("data")
    if data_ds is None:
        raise ReadError(path, "the recording group has no data; the file is damaged")
    if data_ds.ndim != 2:
        raise ReadError(path, f"/recording/data has shape {data_ds.shape}, not (samples, channels); the file is "
                              f"damaged")
    n = data_ds.shape[1]

    def strings(key):
        ds = member(key)
        if ds is None:
            return [""] * n
        if ds.size != n:
            raise ReadError(path, f"/recording/{key} has {ds.size:,} entries for {n} channels; the file is damaged")
        check_text(path, ds)
        values = [as_text(v) or "" for v in _read(ds, path).reshape(-1)]
        return values

    texts = {key: strings(key) for key in ("channel_names", "units", "source_units", "directions")}
    data = _read(data_ds, path)
    names = [nm or f"ch{i + 1}" for i, nm in enumerate(texts["channel_names"])]
    units = [u or "m/s^2" for u in texts["units"]]  # the data are stored in app units: nothing to convert
    pos_ds = member("positions_m")
    positions = np.asarray(pos_ds[()], dtype=float) if pos_ds is not None else np.full((n, 3), np.nan)
    if positions.shape != (n, 3):
        positions = np.full((n, 3), np.nan)
    extra = {nm: (su or None, tuple(float(x) for x in pos) if np.all(np.isfinite(pos)) else None)
             for nm, su, pos in zip(names, texts["source_units"], positions)}
    try:
        meta = json.loads(as_text(grp.attrs.get("metadata_json", "{}")) or "{}")
    except (ValueError, RecursionError):
        raise ReadError(path, "the recording's metadata_json attribute is not valid JSON; the file is damaged") from None
    if not isinstance(meta, dict):
        meta = {}
    start = as_datetime(grp.attrs.get("start")) if as_text(grp.attrs.get("start")) else None
    if "fs_hz" not in grp.attrs:
        raise ReadError(path, "the recording group states no fs_hz; the file is damaged")
    rec = make_recording(path, data, fs_hz=choose_fs(path, fs, as_text(grp.attrs["fs_hz"]) or grp.attrs["fs_hz"],
                                                     "the file's fs_hz"), names=names,
                         source_units=units, start=start, fmt=FORMAT, metadata=meta,
                         directions=[d or None for d in texts["directions"]], **options)
    from dataclasses import replace

    channels = tuple(replace(ch, source_unit=extra[ch.name][0], position_m=extra[ch.name][1]) for ch in rec.channels)
    return replace(rec, channels=channels)


def read(path: Path, *, fs: Optional[float] = None, dataset: Optional[str] = None, group: Optional[str] = None,
         **options) -> Recording:
    """Read an HDF5 recording. Options: ``fs``, ``dataset``, ``group``, ``channels``, ``max_gap_s``."""
    path = Path(path)
    import h5py

    with open_h5(path) as h5:
        if isinstance(h5.get("recording", getlink=True), h5py.HardLink) and dataset is None \
                and as_text(h5["recording"].attrs.get("shm_app_layout")) == LAYOUT:
            return _read_app_layout(path, h5["recording"], fs, options)
        root = h5
        if group is not None:
            try:
                root = get_object(path, h5, group)
            except KeyError:
                groups = [k for k in h5.keys()][:20]
                raise ReadError(path, f"no group {group!r}; the file holds: {', '.join(groups)}") from None
            if not isinstance(root, h5py.Group):
                raise ReadError(path, f"{group!r} is not a group")
        datasets = _numeric_datasets(root)
        return read_datasets(path, root, datasets, fs=fs, dataset=dataset, fmt=FORMAT, **options)


def read_datasets(path: Path, root, datasets: dict, *, fs, dataset: Optional[str], fmt: str,
                  transpose_2d: bool = False, **options) -> Recording:
    """Pick the signal among HDF5 datasets and build the recording (shared with MATLAB v7.3)."""
    time_sets = {n: d for n, d in datasets.items() if n.rsplit("/", 1)[-1].lower() in TIME_NAMES and d.ndim == 1}
    candidates = {n: d for n, d in datasets.items() if n not in time_sets}
    if not candidates:
        raise ReadError(path, "no numeric signal dataset in the file")
    metadata: dict = {}
    if dataset is not None and "," in dataset:
        chosen = [s.strip() for s in dataset.split(",") if s.strip()]
        missing = [c for c in chosen if c not in candidates]
        if missing:
            raise ReadError(path, f"no dataset {missing[0]!r}; choose from: {describe({n: d.shape for n, d in candidates.items()})}")
        not_1d = [c for c in chosen if candidates[c].ndim != 1]
        if not_1d:
            raise ReadError(path, f"a list of datasets takes one 1-D dataset per channel; {not_1d[0]} has shape "
                                  f"{candidates[not_1d[0]].shape}: name it alone")
        columns, names = _columns(path, [(c, candidates[c]) for c in chosen])
        anchor = candidates[chosen[0]]
        data = np.column_stack(columns)
    else:
        two_d = {n: d.shape for n, d in candidates.items() if d.ndim == 2 and min(d.shape) > 0}
        one_d = {n: d for n, d in candidates.items() if d.ndim == 1}
        if dataset is None and not two_d and len(one_d) > 1:
            by_group: dict = {}
            for n, d in one_d.items():
                by_group.setdefault(n.rsplit("/", 1)[0] if "/" in n else "", []).append((n, d))
            members = max(by_group.values(), key=len)
            if len(members) > MAX_CHANNEL_DATASETS:
                raise ReadError(path, f"the file holds {len(members):,} one-dimensional datasets side by side; the "
                                      f"app reads at most {MAX_CHANNEL_DATASETS} as channels: name the ones to read "
                                      f"with --dataset a,b,c, or the signal matrix with --dataset NAME")
            columns, names = _columns(path, members)
            anchor = members[0][1]
            data = np.column_stack(columns)
            metadata["datasets"] = [n for n, _ in members]
        else:
            name = choose_signal(path, two_d or {n: d.shape for n, d in candidates.items()}, dataset, "dataset")
            anchor = candidates[name]
            data = _read(anchor, path)
            if transpose_2d and data.ndim == 2:
                data = data.T
            metadata["dataset"] = name
            attrs = _attrs_chain(anchor)
            _, nm = lookup(attrs, NAME_NAMES)
            names = as_text_list(nm)
            data, transposed = orient(path, data, len(names) if names else None)
            if transposed:
                metadata["transposed"] = True
            if names is not None and len(names) != data.shape[1]:
                raise ReadError(path, f"{len(names)} channel names for {data.shape[1]} columns in {name}")
            names = names or [f"ch{i + 1}" for i in range(data.shape[1])]
    attrs = _attrs_chain(anchor)
    fs_file, key = fs_from_mapping(attrs, path)
    origin = f"attribute {key!r}" if key else "the file"
    if fs_file is None:
        scalars = {n.rsplit("/", 1)[-1]: d for n, d in _scalars(root).items()}
        fs_file, key = fs_from_mapping(scalars, path)
        origin = f"dataset {key!r}" if key else origin
    if fs_file is None and time_sets:
        tname, tds = next(iter(time_sets.items()))
        t = np.asarray(_read(tds, path), dtype=float).reshape(-1)
        if t.size == data.shape[0]:
            fs_file, origin = fs_from_times(path, t, f"time dataset {tname!r}"), f"time dataset {tname!r}"
    fs_hz = choose_fs(path, fs, fs_file, origin, "the file states no sampling rate (no fs/dt attribute or time "
                                                 "dataset); give it with --fs HZ")
    _, unit_value = lookup(attrs, UNIT_NAMES)
    units = as_text_list(unit_value) if unit_value is not None else None
    if isinstance(names, list) and metadata.get("datasets"):
        per = [as_text(lookup(d.attrs, UNIT_NAMES)[1]) for _, d in
               [(n, root[n]) for n in metadata["datasets"]]]
        if any(per):
            units = per
    if units is not None and len(units) == 1:
        units = units * data.shape[1]
    if units is not None and len(units) != data.shape[1]:
        units = None
        metadata["unit_note"] = "the unit attribute does not match the channels; m/s^2 assumed"
    _, start_value = lookup(attrs, START_NAMES)
    start = as_datetime(start_value)
    return make_recording(path, data, fs_hz=fs_hz, names=names, source_units=units, start=start, fmt=fmt,
                          metadata=metadata, **options)


def _scalars(root) -> dict:
    import h5py

    out = {}
    for k in list(root.keys())[:10_000]:
        if not isinstance(root.get(k, getlink=True), h5py.HardLink):
            continue
        obj = root[k]
        if isinstance(obj, h5py.Dataset) and obj.size == 1 and obj.dtype.kind in "fiu" and not obj.external \
                and not obj.is_virtual:
            out[k] = obj[()]
    return out


def _columns(path: Path, members) -> tuple[list, list[str]]:
    lengths = {n: d.shape[0] for n, d in members}
    if len(set(lengths.values())) > 1:
        detail = ", ".join(f"{n.rsplit('/', 1)[-1]}: {k}" for n, k in list(lengths.items())[:6])
        raise ReadError(path, f"the channels have different lengths ({detail}); mismatched channel lengths, choose "
                              f"datasets of equal length with --dataset a,b,c")
    names = []
    for n, d in members:
        label = as_text(lookup(d.attrs, ("name", "channel", "label"))[1])
        names.append(label or n.rsplit("/", 1)[-1])
    return [np.asarray(_read(d, path), dtype=float) for _, d in members], names
