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
from shm_app.io._common import check_size, choose_fs, fs_from_times, make_recording
from shm_app.io._containers import (NAME_NAMES, START_NAMES, TIME_NAMES, UNIT_NAMES, as_datetime, as_text,
                                    as_text_list, choose_signal, describe, fs_from_mapping, lookup, orient)
from shm_app.recording import Recording

FORMAT = "hdf5"
LAYOUT = "recording/1"


def open_h5(path: Path):
    import h5py

    try:
        return h5py.File(path, "r")
    except OSError as exc:
        text = str(exc)
        if "truncated" in text or "eof" in text.lower():
            raise ReadError(path, "the HDF5 file is truncated (cut short while copying?); copy it again") from None
        raise ReadError(path, f"not a readable HDF5 file, or it is damaged ({text.split('(')[0].strip()})") from None


def _numeric_datasets(root) -> dict:
    import h5py

    found: dict = {}

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset) and obj.dtype.kind in "fiu" and obj.ndim in (1, 2) and obj.size > 1:
            found[name] = obj

    root.visititems(visit)
    return found


def _attrs_chain(obj) -> dict:
    """Attributes of a dataset, then its parents up to the file (nearest wins)."""
    merged: dict = {}
    chain = []
    while obj is not None:
        chain.append(obj)
        if obj.name == "/":
            break
        obj = obj.parent
    for o in reversed(chain):
        merged.update({k: o.attrs[k] for k in o.attrs.keys()})
    return merged


def _read(ds, path: Path) -> np.ndarray:
    check_size(path, ds.shape, f"dataset {ds.name}")
    try:
        return ds[()]
    except Exception as exc:  # noqa: BLE001 - h5py/HDF5 errors on damaged chunks come in many types
        raise ReadError(path, f"dataset {ds.name} cannot be read ({exc}); the file is damaged or truncated") from None


def _read_app_layout(path: Path, grp, fs, options) -> Recording:
    data = _read(grp["data"], path)
    n = data.shape[1]

    def strings(key):
        return [as_text(v) or "" for v in grp[key][()]] if key in grp else [""] * n

    names = [nm or f"ch{i + 1}" for i, nm in enumerate(strings("channel_names"))]
    units = [u or "m/s^2" for u in strings("units")]  # the data are stored in app units: nothing to convert
    positions = grp["positions_m"][()] if "positions_m" in grp else np.full((n, 3), np.nan)
    extra = {nm: (su or None, tuple(float(x) for x in pos) if np.all(np.isfinite(pos)) else None)
             for nm, su, pos in zip(names, strings("source_units"), positions)}
    meta = json.loads(as_text(grp.attrs.get("metadata_json", "{}")) or "{}")
    start = as_datetime(grp.attrs.get("start")) if as_text(grp.attrs.get("start")) else None
    rec = make_recording(path, data, fs_hz=choose_fs(path, fs, float(grp.attrs["fs_hz"]), "the file"), names=names,
                         source_units=units, start=start, fmt=FORMAT, metadata=meta,
                         directions=[d or None for d in strings("directions")], **options)
    from dataclasses import replace

    channels = tuple(replace(ch, source_unit=extra[ch.name][0], position_m=extra[ch.name][1]) for ch in rec.channels)
    return replace(rec, channels=channels)


def read(path: Path, *, fs: Optional[float] = None, dataset: Optional[str] = None, group: Optional[str] = None,
         **options) -> Recording:
    """Read an HDF5 recording. Options: ``fs``, ``dataset``, ``group``, ``channels``, ``max_gap_s``."""
    path = Path(path)
    with open_h5(path) as h5:
        if "recording" in h5 and as_text(h5["recording"].attrs.get("shm_app_layout")) == LAYOUT and dataset is None:
            return _read_app_layout(path, h5["recording"], fs, options)
        root = h5
        if group is not None:
            if group not in h5:
                groups = [k for k in h5.keys()]
                raise ReadError(path, f"no group {group!r}; the file holds: {', '.join(groups)}")
            root = h5[group]
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
    fs_file, key = fs_from_mapping(attrs)
    origin = f"attribute {key!r}" if key else "the file"
    if fs_file is None:
        scalars = {n.rsplit("/", 1)[-1]: d for n, d in _scalars(root).items()}
        fs_file, key = fs_from_mapping({k: v for k, v in scalars.items()})
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
    for k in root.keys():
        obj = root[k]
        if isinstance(obj, h5py.Dataset) and obj.size == 1 and obj.dtype.kind in "fiu":
            out[k] = obj[()]
    return out


def _columns(path: Path, members) -> tuple[list, list[str]]:
    lengths = {n: d.shape[0] for n, d in members}
    if len(set(lengths.values())) > 1:
        detail = ", ".join(f"{n.rsplit('/', 1)[-1]}: {k}" for n, k in list(lengths.items())[:6])
        raise ReadError(path, f"the channels have different lengths ({detail}); mismatched channel lengths, choose "
                              f"datasets of equal length with dataset=")
    names = []
    for n, d in members:
        label = as_text(lookup(d.attrs, ("name", "channel", "label"))[1])
        names.append(label or n.rsplit("/", 1)[-1])
    return [np.asarray(_read(d, path), dtype=float) for _, d in members], names
